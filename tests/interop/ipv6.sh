#!/usr/bin/env bash
# examples/uac calls examples/uas over IPv6 loopback ([::1]), UDP then TCP,
# CALLS calls each, and SIPp's uac calls the uas over [::1] UDP.
# Usage: tests/interop/ipv6.sh [PROJECT_DIR]   Env: CALLS (50) RATE (50) KEEP_LOGS=1
# Passes when every call of every run succeeded and the uas exited 0.
source "$(dirname "$0")/../../../shared/interop/lib.sh"
CALLS=${CALLS:-50} RATE=${RATE:-50}
[[ -x $P/examples/uas && -x $P/examples/uac ]] || die "build the project first (make)"
python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null \
  || die "no IPv6 loopback on this machine"
figures=() ok=1
for t in udp tcp; do
  free_port port lport || die "no free port"
  spawn "uas-$t" "$(q "$P/examples/uas") --bind [::1]:$port --transport $t --quiet"; uas=$SPAWNED
  sleep 0.3; alive "$uas" || die "uas did not start on [::1]:$port ($(last_line "$TMP/uas-$t.log"))"
  run_bounded $((CALLS / RATE + 20)) "uac-$t" "$(q "$P/examples/uac") --target sip:service@[::1]:$port \
    --bind [::1]:$lport --transport $t --calls $CALLS --rate $RATE --hold 50"; urc=$?
  stop_proc "$uas" 5; src=$?
  s=$(summary_line "$TMP/uac-$t.log")
  echo "$t: uac rc $urc, said '$s'; uas rc $src: $(last_line "$TMP/uas-$t.log")"
  [[ $urc == 0 && $src == 0 && $s == "calls: $CALLS ok, 0 failed" ]] || ok=0
  figures+=("uac->uas $t ${s:-no summary}")
done
# SIPp's uac against the uas on [::1], UDP
free_port port lport || die "no free port"
spawn uas-sipp "$(q "$P/examples/uas") --bind [::1]:$port --transport udp --quiet"; uas=$SPAWNED
sleep 0.3
run_bounded $((CALLS / RATE + 30)) sipp "$(q sipp -sn uac -i ::1 -ci 127.0.0.1 -mi ::1 -nostdin -p "$lport" \
  -m "$CALLS" -r "$RATE" -timeout $((CALLS / RATE + 20)) -timeout_error -trace_stat -stf "$TMP/sipp.csv" "[::1]:$port")"; src=$?
stop_proc "$uas" 5; urc=$?
good=$(stat_col "$TMP/sipp.csv" 'SuccessfulCall(C)')
echo "sipp uac -> uas [::1] udp: $good/$CALLS ok, sipp rc $src, uas rc $urc"
[[ $src == 0 && $urc == 0 && $good == "$CALLS" ]] || ok=0
figures+=("sipp->uas udp $good/$CALLS ok")
((ok)) && finish 0 "ipv6: PASS: $(IFS=';'; echo "${figures[*]}")"
finish 1 "ipv6: FAIL: $(IFS=';'; echo "${figures[*]}")"
