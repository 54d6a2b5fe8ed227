#!/usr/bin/env bash
# Instructions per complete transaction (client and server end, build,
# parse, match, state machines, timers, free) through tests/bench/txn_bench,
# counted by callgrind. Two runs that differ only in the number of batches
# are subtracted, so start-up and warm-up cancel out; the figure is the mean
# over the bench's mix (non-INVITE and INVITE with its ACK, over UDP and
# TCP-like transports).
#
#   tests/bench/txn_instr.sh [BIN]      BIN: default tests/bench/txn_bench
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-tests/bench/txn_bench}
[[ $# -ge 1 ]] || make -s tests/bench/txn_bench >/dev/null
command -v valgrind >/dev/null || { echo "txn_instr: valgrind not installed" >&2; exit 1; }
batch=500
ir() {
  local out
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --batches "$1" --batch $batch 2>&1 >/dev/null)
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$out"
}
lo=2 hi=6
a=$(ir $lo) b=$(ir $hi)
# each batch count runs four series (non-INVITE, INVITE; UDP, TCP)
n=$(( (hi - lo) * batch * 4 ))
echo "txn_instr: $(( (b - a) / n )) instructions per complete transaction ($n transactions, callgrind)"
