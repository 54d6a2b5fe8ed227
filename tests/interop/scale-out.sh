#!/usr/bin/env bash
# Scale-out: Kamailio's dispatcher (tests/interop/kamailio-dispatcher.cfg,
# hash on Call-ID, OPTIONS probing) in front of two examples/uas instances.
#  1. SIPp's uac drives CALLS calls through Kamailio: every call must complete
#     and both instances must have taken calls.
#  2. A second SIPp run starts; MID-run one instance is ended (SIGKILL). Calls
#     it held may fail (reported, not required); INVITEs fail over to the other.
#  3. Once the probe has marked it down, AFTER more calls: every one completes,
#     all on the surviving instance.
# Usage: tests/interop/scale-out.sh [PROJECT_DIR]
# Env:   CALLS (1000) RATE (200) MID (400) AFTER (200) KEEP_LOGS=1
source "$(dirname "$0")/../../../shared/interop/lib.sh"
CALLS=${CALLS:-1000} RATE=${RATE:-200} MID=${MID:-400} AFTER=${AFTER:-200}
[[ -x $P/examples/uas ]] || die "build the project first (make)"
command -v kamailio >/dev/null || [[ -x /usr/sbin/kamailio ]] || die "kamailio not installed"
free_port kport a b lport || die "no free port"
printf '1 sip:127.0.0.1:%s\n1 sip:127.0.0.1:%s\n' "$a" "$b" >"$TMP/dispatcher.list"
spawn uas-a "$(q "$P/examples/uas") --bind 127.0.0.1:$a --quiet"; ua=$SPAWNED
spawn uas-b "$(q "$P/examples/uas") --bind 127.0.0.1:$b --quiet"; ub=$SPAWNED
wait_listen udp "$a" "$ua" 5 && wait_listen udp "$b" "$ub" 5 || die "uas instances did not start"
spawn kamailio "$(q /usr/sbin/kamailio -f "$(dirname "$0")/kamailio-dispatcher.cfg" -DD -E -w "$TMP" -Y "$TMP" \
  -P "$TMP/kamailio.pid" -A "PORT=$kport" -A "DSLIST=\"$TMP/dispatcher.list\"")"; kam=$SPAWNED
wait_listen udp "$kport" "$kam" 10 || die "kamailio did not start: $(grep -m1 -E 'ERROR|CRITICAL' "$TMP/kamailio.log")"
sleep 1.5 # first probes

sipp_run() { # sipp_run NAME CALLS RATE: SIPp's uac through Kamailio; its status
  run_bounded $(( $2 / $3 + 40 )) "$1" "$(q sipp -sn uac "${SIPP_LO[@]}" -p "$lport" -m "$2" -r "$3" \
    -timeout $(( $2 / $3 + 30 )) -timeout_error -trace_stat -stf "$TMP/$1.csv" -trace_err -error_file "$TMP/$1-errors.log" "127.0.0.1:$kport")"
}
to() { grep -c "scale: INVITE .* -> sip:127.0.0.1:$1\$" "$TMP/kamailio.log"; }

# 1. both instances share the load
sipp_run phase1 "$CALLS" "$RATE"; rc1=$?
ok1=$(stat_col "$TMP/phase1.csv" 'SuccessfulCall(C)') fail1=$(stat_col "$TMP/phase1.csv" 'FailedCall(C)')
na=$(to "$a") nb=$(to "$b")
echo "phase 1: $ok1/$CALLS calls ok, $fail1 failed, sipp rc $rc1; instance A took $na, B took $nb"

# 2. one instance dies mid-run
sipp_run phase2 "$MID" "$RATE" & s2=$!
sleep $(awk -v m="$MID" -v r="$RATE" 'BEGIN { printf "%.1f", m / r / 2 }')
kill -KILL -- "-$ub" 2>/dev/null
wait "$s2"; rc2=$?
ok2=$(stat_col "$TMP/phase2.csv" 'SuccessfulCall(C)') fail2=$(stat_col "$TMP/phase2.csv" 'FailedCall(C)')
echo "phase 2: B killed mid-run: $ok2/$MID calls ok, $fail2 failed (the INVITEs B did not answer fail over to A), sipp rc $rc2"

# 3. new calls all go to the survivor
sleep 2
a0=$(to "$a") b0=$(to "$b")
sipp_run phase3 "$AFTER" "$RATE"; rc3=$?
ok3=$(stat_col "$TMP/phase3.csv" 'SuccessfulCall(C)')
da=$(( $(to "$a") - a0 )) db=$(( $(to "$b") - b0 ))
echo "phase 3: $ok3/$AFTER calls ok, sipp rc $rc3; A took $da, B took $db"
stop_proc "$ua" 5; urc=$?
echo "uas A rc $urc: $(last_line "$TMP/uas-a.log")"

fail=()
[[ $rc1 == 0 && $ok1 == "$CALLS" ]] || fail+=("phase 1 $ok1/$CALLS")
((na > 0 && nb > 0)) || fail+=("one instance idle (A $na, B $nb)")
[[ $rc3 == 0 && $ok3 == "$AFTER" ]] || fail+=("phase 3 $ok3/$AFTER")
((da >= AFTER && db == 0)) || fail+=("phase 3 not all on A (A $da, B $db)")
((urc == 0)) || fail+=("uas A rc $urc")
fig="$ok1/$CALLS calls over 2 instances (A $na, B $nb); B killed mid-run: $ok2/$MID ok; after: $ok3/$AFTER ok, all on A"
((${#fail[@]} == 0)) && finish 0 "scale-out: PASS: $fig"
finish 1 "scale-out: FAIL ($(IFS=,; echo "${fail[*]}")): $fig"
