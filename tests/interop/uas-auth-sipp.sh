#!/usr/bin/env bash
# examples/uas --auth bob:secret against SIPp's digest authentication (-au/-ap):
#  1. SIPp REGISTERs bob (../shared/interop/sipp-register-auth.xml): 401, then 200;
#  2. the same with a wrong password gets no 200 (SIPp gives up at its -timeout);
#  3. SIPp places CALLS calls (../shared/interop/sipp-uac-auth.xml): each INVITE
#     gets 401, is ACKed and sent again with credentials, then 200, ACK, BYE.
# The uas offers MD5 first (SIPp's digest only does MD5 well). SIPp puts
# sip:REMOTE_IP:PORT in the digest uri unless -auth_uri says otherwise, and the
# uas checks it against the Request-URI (RFC 2617 §3.2.2.5): hence -auth_uri.
# Usage: tests/interop/uas-auth-sipp.sh [PROJECT_DIR]   Env: CALLS (20) RATE (10) KEEP_LOGS=1
source "$(dirname "$0")/../../../shared/interop/lib.sh"
CALLS=${CALLS:-20} RATE=${RATE:-10}
[[ -x $P/examples/uas ]] || die "build the project first (make)"
free_port port rport || die "no free port"
spawn uas "$(q "$P/examples/uas") --bind 127.0.0.1:$port --auth bob:secret"; uas=$SPAWNED
wait_listen udp "$port" "$uas" 5 || die "uas did not start ($(last_line "$TMP/uas.log"))"

register() { # register NAME PASSWORD SECS
  run_bounded $(( $3 + 5 )) "$1" "$(q sipp -sf "$INTEROP/sipp-register-auth.xml" "${SIPP_LO[@]}" -p "$rport" -m 1 \
    -timeout "$3" -timeout_error -key user bob -key contact "sip:bob@127.0.0.1:$rport" -key expires 300 \
    -au bob -ap "$2" "127.0.0.1:$port")"
}
register reg-good secret 10; good=$?
register reg-wrong not-secret 3; wrong=$?
run_bounded $(( CALLS / RATE + 30 )) calls "$(q sipp -sf "$INTEROP/sipp-uac-auth.xml" "${SIPP_LO[@]}" -p "$rport" \
  -auth_uri "service@127.0.0.1:$port" -key ruri "sip:service@127.0.0.1:$port" -key from alice -au bob -ap secret -d 100 -m "$CALLS" -r "$RATE" \
  -timeout $(( CALLS / RATE + 20 )) -timeout_error -trace_stat -stf "$TMP/calls.csv" "127.0.0.1:$port")"; crc=$?
stop_proc "$uas" 5; urc=$?
ok=$(stat_col "$TMP/calls.csv" 'SuccessfulCall(C)') failed=$(stat_col "$TMP/calls.csv" 'FailedCall(C)')
echo "REGISTER with the right password: sipp rc $good; with a wrong one: sipp rc $wrong (want non-zero)"
echo "authenticated calls: $ok/$CALLS ok, $failed failed, sipp rc $crc"
echo "uas rc $urc: $(last_line "$TMP/uas.log")"
fail=()
((good == 0)) || fail+=("REGISTER refused")
((wrong != 0)) || fail+=("wrong password accepted")
[[ $crc == 0 && $ok == "$CALLS" ]] || fail+=("calls $ok/$CALLS")
((urc == 0)) || fail+=("uas rc $urc")
fig="REGISTER 401/200 ok, wrong password refused, $ok/$CALLS authenticated calls"
((${#fail[@]} == 0)) && finish 0 "uas-auth-sipp: PASS: $fig"
finish 1 "uas-auth-sipp: FAIL ($(IFS=,; echo "${fail[*]}")): $fig"
