#!/usr/bin/env bash
# Code footprint: text+data of the whole library (`size lib/libzsip.a`, as
# `make` builds it) and of a program that uses only the message layer
# (parse one request, read its fields, build the response), linked against
# a copy of the library built with -ffunction-sections -fdata-sections so
# that --gc-sections leaves out every function it does not reach. A
# program with an empty main, linked the same way, is the baseline (C
# runtime start-up), subtracted from the figure.
#
#   tests/bench/footprint.sh        (after `make`)
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ -f lib/libzsip.a ]] || { echo "footprint: build lib/libzsip.a first (make)" >&2; exit 1; }
out=build/footprint
mkdir -p "$out/obj"
cc=${CC:-cc}
cflags=${FOOTPRINT_CFLAGS:--O2}

sum() { size "$@" | awk 'NR > 1 { t += $1; d += $2; b += $3 } END { printf "%d %d %d\n", t, d, b }'; }

read -r t d b < <(sum lib/libzsip.a)
echo "lib/libzsip.a: text $t + data $d = $((t + d)) bytes (bss $b)"

objs=()
for src in src/*/*.c; do
  o=$out/obj/$(echo "${src#src/}" | tr / _ | sed 's/\.c$/.o/')
  "$cc" -std=c11 -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L $cflags -ffunction-sections -fdata-sections \
    -c -o "$o" "$src"
  objs+=("$o")
done
rm -f "$out/libzsip-gc.a"
ar rcs "$out/libzsip-gc.a" "${objs[@]}"

cat > "$out/msg_only.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <zsip.h>

int main(int argc, char **argv)
{
	(void)argv;
	static const char m[] = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP host.example.com;branch=z9hG4bK776asdhds\r\n"
		"From: <sip:alice@example.com>;tag=1928301774\r\nTo: <sip:bob@example.com>\r\n"
		"Call-ID: a84b4c76e66710\r\nCSeq: 63104 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	static struct zsip_msg msg;
	static char out[1024];
	if (zsip_msg_parse(&msg, m, strlen(m) - (size_t)(argc > 5), NULL) < 0)
		return 1;
	struct zsip_response r;
	memset(&r, 0, sizeof(r));
	r.code = 200;
	r.to_tag = ZSIP_STR("t1");
	int n = zsip_build_response(out, sizeof(out), &msg, &r);
	if (n < 0)
		return 1;
	fwrite(out, 1, (size_t)n, stdout);
	return 0;
}
C
printf 'int main(void) { return 0; }\n' > "$out/empty.c"
for p in msg_only empty; do
  "$cc" -std=c11 -Iinclude $cflags -ffunction-sections -fdata-sections -Wl,--gc-sections \
    -o "$out/$p" "$out/$p.c" "$out/libzsip-gc.a"
done
"$out/msg_only" >/dev/null
read -r t d _ < <(sum "$out/msg_only")
read -r et ed _ < <(sum "$out/empty")
echo "message layer only (parse + build a response): text $((t - et)) + data $((d - ed)) = $((t - et + d - ed)) bytes" \
     "over an empty program ($((et + ed)) bytes)"
