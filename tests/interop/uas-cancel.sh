#!/usr/bin/env bash
# examples/uas --ring 2000 holds its 200 back after the 180; SIPp (sipp-cancel.xml)
# CANCELs each call while it rings: the CANCEL gets 200 and the INVITE 487
# (RFC 3261 §9.2), and the uas counts the calls as failed, none answered.
# Usage: tests/interop/uas-cancel.sh [PROJECT_DIR]   Env: CALLS (20) RATE (20) KEEP_LOGS=1
source "$(dirname "$0")/../../../shared/interop/lib.sh"
CALLS=${CALLS:-20} RATE=${RATE:-20}
[[ -x $P/examples/uas ]] || die "build the project first (make)"
free_port port lport || die "no free port"
spawn uas "$(q "$P/examples/uas") --bind 127.0.0.1:$port --ring 2000"; uas=$SPAWNED
wait_listen udp "$port" "$uas" 5 || die "uas did not start"
run_bounded $(( CALLS / RATE + 30 )) sipp "$(q sipp -sf "$(dirname "$0")/sipp-cancel.xml" "${SIPP_LO[@]}" -p "$lport" \
  -m "$CALLS" -r "$RATE" -timeout $(( CALLS / RATE + 20 )) -timeout_error -trace_stat -stf "$TMP/sipp.csv" \
  "127.0.0.1:$port")"; src=$?
stop_proc "$uas" 5; urc=$?
ok=$(stat_col "$TMP/sipp.csv" 'SuccessfulCall(C)')
said=$(last_line "$TMP/uas.log")
echo "SIPp: $ok/$CALLS calls cancelled with 200 + 487, sipp rc $src; uas rc $urc: $said"
[[ $src == 0 && $ok == "$CALLS" && $urc == 0 && $said == "uas: 0 calls answered, 0 completed, $CALLS failed; 0 registrations" ]] \
  && finish 0 "uas-cancel: PASS: $ok/$CALLS ringing calls cancelled (200 + 487), none answered"
finish 1 "uas-cancel: FAIL: $ok/$CALLS cancelled, sipp rc $src, uas said '$said'"
