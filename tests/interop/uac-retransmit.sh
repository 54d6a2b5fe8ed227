#!/usr/bin/env bash
# The uac against a peer that never answers (a bound UDP socket that reads
# nothing): its first INVITE must be retransmitted on Timer A, at T1 = 500 ms
# and then 1 s later (RFC 3261 §17.1.1.2), from the first turn of its loop
# on. The run is cut after 2.3 s: by then the --trace shows 3 INVITEs.
# (A uac whose first poll() waited 60 s lost its first call whenever that
# INVITE was lost: sipp-uas-vs-uac's lossy case, about 1 run in 10.)
# Usage: tests/interop/uac-retransmit.sh [PROJECT_DIR]   Env: KEEP_LOGS=1
source "$(dirname "$0")/../../../shared/interop/lib.sh"
[[ -x $P/examples/uac ]] || die "build the project first (make)"
command -v python3 >/dev/null || die "python3 is needed for the silent peer"
free_port port lport || die "no free port"
spawn sink "$(q python3) -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"127.0.0.1\", $port)); time.sleep(30)'"
sink=$SPAWNED
wait_listen udp "$port" "$sink" 5 || die "the silent peer did not start"
run_bounded 2.3 uac "$(q "$P/examples/uac") --target sip:service@127.0.0.1:$port --bind 127.0.0.1:$lport \
  --calls 1 --trace"
stop_proc "$sink" 2
n=$(awk '/^[0-9:.]+ --> 127\.0\.0\.1:[0-9]+ UDP [0-9]+ bytes$/ { getline; if ($1 == "INVITE") n++ } END { print n + 0 }' "$TMP/uac.log")
echo "INVITEs sent to a silent peer in 2.3 s: $n"
[[ $n == 3 ]] || die "want 3 (at 0, 0.5 and 1.5 s: Timer A), got $n"
finish 0 "uac-retransmit: PASS: 3 INVITEs in 2.3 s to a silent peer (Timer A from the first turn)"
