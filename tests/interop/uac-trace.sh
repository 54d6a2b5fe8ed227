#!/usr/bin/env bash
# The uac's --trace output for one call against the uas: every message of the
# call (INVITE, 180, 200, ACK, BYE, 200) in that order, each with its time,
# direction (--> sent, <-- received), peer address and transport, then the
# message itself.
# Usage: tests/interop/uac-trace.sh [PROJECT_DIR]   Env: KEEP_LOGS=1
source "$(dirname "$0")/../../../shared/interop/lib.sh"
[[ -x $P/examples/uas && -x $P/examples/uac ]] || die "build the project first (make)"
free_port port lport || die "no free port"
spawn uas "$(q "$P/examples/uas") --bind 127.0.0.1:$port --quiet"; uas=$SPAWNED
wait_listen udp "$port" "$uas" 5 || die "uas did not start"
run_bounded 15 uac "$(q "$P/examples/uac") --target sip:service@127.0.0.1:$port --bind 127.0.0.1:$lport \
  --calls 1 --hold 100 --trace"; urc=$?
stop_proc "$uas" 5
log=$TMP/uac.log
# the header line of each traced message, and the start line that follows it
got=$(awk '/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9] (-->|<--) 127\.0\.0\.1:[0-9]+ UDP [0-9]+ bytes$/ {
  dir = $2; getline; print dir, $1, $2 }' "$log" | tr '\n' ';')
want="--> INVITE sip:service@127.0.0.1:$port;<-- SIP/2.0 180;<-- SIP/2.0 200;--> ACK sip:127.0.0.1:$port;--> BYE sip:127.0.0.1:$port;<-- SIP/2.0 200;"
echo "trace: $got"
[[ $urc == 0 ]] || die "uac rc $urc: $(last_line "$log")"
[[ $got == "$want" ]] || die "trace shows '$got', want '$want'"
[[ $(last_line "$log") == "calls: 1 ok, 0 failed" ]] || die "last line '$(last_line "$log")'"
finish 0 "uac-trace: PASS: 6 messages traced in order with time, direction, address"
