#!/usr/bin/env bash
# Runs each libFuzzer target for a while on its seeds, keeping what it finds
# in build/fuzz/corpus/<target>/ (the seeds stay as they are). A crash, a
# leak, a timeout or an out-of-memory stops the run with a non-zero status;
# the reproducer is left in build/fuzz/artifacts/.
#
#   fuzz/run.sh SECONDS TARGET_BINARY...
#   e.g. fuzz/run.sh 600 build/fuzz/fuzz_msg
set -euo pipefail
secs=${1:?usage: run.sh SECONDS TARGET...}
shift
here=$(cd "$(dirname "$0")" && pwd)
fail=0
for bin in "$@"; do
  t=$(basename "$bin")
  corpus=build/fuzz/corpus/$t
  seeds=build/fuzz/seeds/$t
  mkdir -p "$corpus" "$seeds" build/fuzz/artifacts
  log=build/fuzz/$t.log
  echo "== $t: ${secs}s"
  if "$bin" "$corpus" "$seeds" -dict="$here/sip.dict" -max_total_time="$secs" \
       -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
       -artifact_prefix=build/fuzz/artifacts/"$t"- >"$log" 2>&1; then
    # the last status line and the final stats: executions and coverage
    grep -E '^#[0-9]+' "$log" | tail -n1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  else
    echo "FAIL: $t (log: $log)"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|FUZZ|assert|Test unit written' "$log" | head -n 20 || true
    tail -n 40 "$log"
    fail=1
  fi
done
exit $fail
