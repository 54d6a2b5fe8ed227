#!/usr/bin/env bash
# make demo: one call between examples/uac and examples/uas on loopback, with
# the uac's --trace showing the SIP exchange (INVITE, 180, 200, ACK, BYE, 200).
# Picks a free port, bounds every step, and leaves no process behind, also
# when it fails (the uas is ended by its pid on every exit path).
set -u
cd "$(dirname "$0")/.." && mkdir -p build
uas_pid=
cleanup() {
  if [[ -n $uas_pid ]] && kill -0 "$uas_pid" 2>/dev/null; then
    kill -TERM "$uas_pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$uas_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$uas_pid" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a free UDP port on 127.0.0.1: the uas says "cannot bind" on a taken one, so try a few
for _ in 1 2 3 4 5; do
  port=$(( 20000 + RANDOM % 12000 ))
  examples/uas --bind "127.0.0.1:$port" >build/demo-uas.log 2>&1 &
  uas_pid=$!
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    grep -q listening build/demo-uas.log 2>/dev/null && break
    kill -0 "$uas_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q listening build/demo-uas.log && break
  wait "$uas_pid" 2>/dev/null; uas_pid=
done
[[ -n $uas_pid ]] || { echo "demo: the uas did not start: $(cat build/demo-uas.log)" >&2; exit 1; }
cat build/demo-uas.log

echo "demo: examples/uac --target sip:service@127.0.0.1:$port --calls 1 --hold 500 --trace"
echo
timeout 8 examples/uac --target "sip:service@127.0.0.1:$port" --calls 1 --hold 500 --trace
rc=$?

kill -TERM "$uas_pid"
for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$uas_pid" 2>/dev/null || break; sleep 0.1; done
wait "$uas_pid" 2>/dev/null
urc=$?
uas_pid=
tail -n1 build/demo-uas.log
if ((rc != 0 || urc != 0)); then
  echo "demo: FAILED (uac exit $rc, uas exit $urc)" >&2
  exit 1
fi
echo "demo: one call made and ended; both programs exited 0"
