#!/usr/bin/env bash
# Source coverage of the library reached by the fuzz corpora: builds each
# target with clang's coverage instrumentation (no sanitizers), replays
# build/fuzz/seeds/<t> and build/fuzz/corpus/<t> through it, and prints
# llvm-cov's report for src/ (per file: regions, functions, lines, branches).
#
#   fuzz/cov.sh [TARGET...]        (default: every fuzz/fuzz_*.c)
# Output: build/fuzz/cov/report.txt; HTML in build/fuzz/cov/html/.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
out=build/fuzz/cov
rm -rf "$out"
mkdir -p "$out/prof"
profdata=$(command -v llvm-profdata || command -v llvm-profdata-14)
llvmcov=$(command -v llvm-cov || command -v llvm-cov-14)
lib_src=(src/*/*.c)
objs=()
for t in "${targets[@]}"; do
  bin=$out/$t
  clang -std=c11 -Iinclude -Isrc -Itests -D_POSIX_C_SOURCE=200809L -g -O1 \
    -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
    -o "$bin" "fuzz/$t.c" "${lib_src[@]}"
  dirs=()
  for d in build/fuzz/seeds/$t build/fuzz/corpus/$t; do [[ -d $d ]] && dirs+=("$d"); done
  if ((${#dirs[@]})); then
    LLVM_PROFILE_FILE="$out/prof/$t.profraw" "$bin" -runs=0 "${dirs[@]}" >"$out/$t.log" 2>&1
    echo "$t: $(find "${dirs[@]}" -type f | wc -l) inputs replayed"
  fi
  objs+=(-object "$bin")
done
"$profdata" merge -sparse "$out"/prof/*.profraw -o "$out/all.profdata"
# the first -object is positional for llvm-cov
first=${objs[1]}
rest=("${objs[@]:2}")
"$llvmcov" report "$first" "${rest[@]}" -instr-profile="$out/all.profdata" \
  "${lib_src[@]}" | tee "$out/report.txt"
"$llvmcov" show "$first" "${rest[@]}" -instr-profile="$out/all.profdata" \
  -format=html -output-dir="$out/html" "${lib_src[@]}" >/dev/null
echo "report: $out/report.txt, html: $out/html/index.html"
