# zsip — build, test, fuzz, bench, install.  See README.md.
#
#   make            libraries and examples
#   make test       unit tests (installs cmocka with apt when missing)
#   make check      the tests again under -fsanitize=address,undefined
#   make valgrind   the tests again under valgrind memcheck
#   make demo       one call between examples/uac and examples/uas on loopback
#   make fuzz       libFuzzer targets (CC=clang) or AFL++ (CC=afl-clang-fast)
#   make bench      benchmarks in tests/bench
#   make install    PREFIX=/usr/local DESTDIR=

VERSION   := 0.1.0
SOVERSION := 0
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ZCFLAGS := $(WARN) -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L $(CFLAGS)

B := build
LIB_SRC   := $(sort $(wildcard src/*/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
PIC_OBJ   := $(LIB_SRC:%.c=$(B)/pic/%.o)
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
TEST_SUP  := $(sort $(wildcard tests/support/*.c))
TEST_BIN  := $(TEST_SRC:tests/%.c=$(B)/tests/%)
EXAMPLES  := $(patsubst %.c,%,$(filter-out examples/common.c,$(sort $(wildcard examples/*.c))))
EX_COMMON := $(wildcard examples/common.c)
BENCH     := $(patsubst %.c,%,$(sort $(wildcard tests/bench/*_bench.c)))
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))
HDRS      := $(wildcard include/*.h include/zsip/*.h) $(wildcard src/*/*.h)

all: lib/libzsip.a lib/libzsip.so $(EXAMPLES)

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ZCFLAGS) -c -o $@ $<

$(B)/pic/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ZCFLAGS) -fPIC -c -o $@ $<

lib/libzsip.a: $(LIB_OBJ)
	@mkdir -p lib
	rm -f $@
	$(AR) rcs $@ $^

# Only zsip_* is exported from the shared library: the version script hides
# every other symbol, internal zsipi_* helpers included.
lib/libzsip.so: $(PIC_OBJ) src/zsip.map
	@mkdir -p lib
	$(CC) -shared -Wl,-soname,libzsip.so.$(SOVERSION) -Wl,--version-script=src/zsip.map \
	    $(CFLAGS) $(LDFLAGS) -o lib/libzsip.so.$(VERSION) $(PIC_OBJ)
	ln -sf libzsip.so.$(VERSION) lib/libzsip.so.$(SOVERSION)
	ln -sf libzsip.so.$(VERSION) $@

examples/%: examples/%.c $(EX_COMMON) lib/libzsip.a $(HDRS)
	$(CC) $(ZCFLAGS) -o $@ $< $(EX_COMMON) lib/libzsip.a $(LDFLAGS)

# ---------------------------------------------------------------- tests
# Tests link their own copy of the static library under $(B), so that
# `make check` (B=build/check, sanitizers on) never mixes objects with the
# plain build.
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
# The conformance and corpus files live beside the checkout.
SHARED ?= $(abspath ../shared)

cmocka:
	@if ! pkg-config --exists cmocka 2>/dev/null && [ ! -f /usr/include/cmocka.h ]; then \
	  echo "cmocka missing: installing libcmocka-dev"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libcmocka-dev pkg-config >/dev/null; \
	fi

$(B)/libzsip.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/tests/%: tests/%.c $(TEST_SUP) $(B)/libzsip.a $(HDRS) $(wildcard tests/support/*.h) | cmocka
	@mkdir -p $(dir $@)
	$(CC) $(ZCFLAGS) -Wno-missing-prototypes -Itests $(CMOCKA_CFLAGS) -DZSIP_SHARED_DIR='"$(SHARED)"' \
	    -o $@ $< $(TEST_SUP) $(B)/libzsip.a $(CMOCKA_LIBS) $(LDFLAGS)

test: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do echo "== $$t"; $$t || fail=1; done; \
	if [ $$fail = 0 ]; then echo "all test suites passed"; else echo "some test suites FAILED"; exit 1; fi

check:
	$(MAKE) B=build/check CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" test

# Every suite under valgrind (memcheck): it sees reads of uninitialised
# heap that ASan cannot. test_alloc defines its own malloc to count
# allocations; valgrind would replace that one too (the counters would read
# 0 and prove nothing), so for it valgrind intercepts only libc's.
# test_ua_sim's 1000 seeds take minutes under valgrind: 100 here
# (ZSIP_UA_SIM_SEEDS=N make valgrind for another count).
VALGRIND ?= valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
valgrind: $(TEST_BIN)
	@export ZSIP_UA_SIM_SEEDS=$${ZSIP_UA_SIM_SEEDS:-100}; \
	fail=0; for t in $(TEST_BIN); do echo "== valgrind $$t"; \
	  case $$t in */test_alloc) x=--soname-synonyms=somalloc=nouserintercepts;; *) x=;; esac; \
	  $(VALGRIND) $$x $$t >$$t.valgrind.log 2>&1 || { fail=1; cat $$t.valgrind.log; }; \
	done; \
	if [ $$fail = 0 ]; then echo "all test suites clean under valgrind"; else echo "some test suites FAILED under valgrind"; exit 1; fi

# ---------------------------------------------------------------- fuzz
# libFuzzer with clang (default) into build/fuzz/; AFL++ with
# CC=afl-clang-fast into build/fuzz-afl/, linking fuzz/afl_main.c as the
# driver (add FUZZ_SAN=-fsanitize=address,undefined, or AFL_USE_ASAN=1, for
# sanitizers there). Every target is built from the library sources
# directly, instrumented as a whole.
#   make fuzz-seeds                 seed corpora in build/fuzz/seeds/<target>/
#   make fuzz-run FUZZ_SECONDS=N    each libFuzzer target for N s (default 15)
#   make fuzz-cov                   line coverage of src/ by the corpora
FUZZ_CC ?= $(if $(filter afl-%,$(notdir $(CC))),$(CC),clang)
ifeq ($(filter afl-%,$(notdir $(FUZZ_CC))),)
FUZZ_B     := build/fuzz
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=all
FUZZ_MAIN  :=
else
FUZZ_B     := build/fuzz-afl
FUZZ_FLAGS := -g -O1 $(FUZZ_SAN)
FUZZ_MAIN  := fuzz/afl_main.c
endif
FUZZ_BIN  := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_B)/%)
FUZZ_DEPS := $(wildcard fuzz/*.h tests/support/msgcmp.[ch] tests/support/txn_keys.[ch])
FUZZ_SECONDS ?= 15

fuzz: $(FUZZ_BIN)
$(FUZZ_B)/%: fuzz/%.c $(LIB_SRC) $(HDRS) $(FUZZ_MAIN) $(FUZZ_DEPS)
	@mkdir -p $(FUZZ_B)
	$(FUZZ_CC) -std=c11 -Wall -Wextra -Werror -Iinclude -Isrc -Itests -D_POSIX_C_SOURCE=200809L $(FUZZ_FLAGS) \
	    -o $@ $< $(FUZZ_MAIN) $(LIB_SRC)

fuzz-seeds:
	fuzz/seed.sh $(SHARED) build/fuzz/seeds $(FUZZ_SRC:fuzz/%.c=%)

fuzz-run: fuzz fuzz-seeds
	fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# source coverage of src/ reached by the seeds and the kept corpora
fuzz-cov:
	fuzz/cov.sh $(FUZZ_SRC:fuzz/%.c=%)

# ---------------------------------------------------------------- bench
bench: $(BENCH)
tests/bench/%: tests/bench/%.c lib/libzsip.a $(HDRS) $(wildcard tests/bench/*.h)
	$(CC) $(ZCFLAGS) -O2 -o $@ $< lib/libzsip.a $(LDFLAGS)

# ---------------------------------------------------------------- demo
# One call between examples/uac and examples/uas on loopback, the uac's
# --trace showing the SIP exchange (examples/demo.sh: free port, bounded,
# no process left behind).
demo: lib/libzsip.a examples/uac examples/uas
	@examples/demo.sh

# ---------------------------------------------------------------- install
# zsip.pc is written on every install (under $(B), keeping the top level
# clean), so that a second install with another PREFIX gets its own paths.
install: lib/libzsip.a lib/libzsip.so
	@mkdir -p $(B)
	printf 'prefix=%s\nexec_prefix=$${prefix}\nlibdir=%s\nincludedir=%s\n\nName: zsip\nDescription: embeddable sans-I/O SIP stack (RFC 3261)\nVersion: %s\nLibs: -L$${libdir} -lzsip\nCflags: -I$${includedir}\n' \
	    '$(PREFIX)' '$(LIBDIR)' '$(INCDIR)' '$(VERSION)' > $(B)/zsip.pc
	install -d $(DESTDIR)$(INCDIR)/zsip $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/zsip.h $(DESTDIR)$(INCDIR)/
	install -m 644 include/zsip/*.h $(DESTDIR)$(INCDIR)/zsip/
	install -m 644 lib/libzsip.a $(DESTDIR)$(LIBDIR)/
	install -m 755 lib/libzsip.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libzsip.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzsip.so.$(SOVERSION)
	ln -sf libzsip.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzsip.so
	install -m 644 $(B)/zsip.pc $(DESTDIR)$(LIBDIR)/pkgconfig/

clean:
	rm -rf build lib/libzsip.* zsip.pc $(EXAMPLES) $(BENCH)

.PHONY: all test check valgrind fuzz fuzz-seeds fuzz-run fuzz-cov bench install clean cmocka demo
