#!/usr/bin/env bash
# examples/uac registers at Kamailio (../shared/interop/kamailio/kamailio.cfg,
# copied to a temp dir with the auth module's algorithm set) once per digest
# algorithm, MD5 then SHA-256 (RFC 7616): the REGISTER is challenged (401 with
# that algorithm), answered with an Authorization carrying algorithm=ALG, and
# accepted (200); then one call to the project's uas, so the uac exits 0.
# Usage: tests/interop/kamailio-sha256.sh [PROJECT_DIR]   Env: KEEP_LOGS=1
source "$(dirname "$0")/../../../shared/interop/lib.sh"
[[ -x $P/examples/uas && -x $P/examples/uac ]] || die "build the project first (make)"
PASSWORD=secret
done_algs=()
for alg in MD5 SHA-256; do
  cfg=$TMP/kamailio-$alg.cfg
  sed "/^modparam(\"auth\", \"qop\"/a modparam(\"auth\", \"algorithm\", \"$alg\")" \
    "$INTEROP/kamailio/kamailio.cfg" >"$cfg"
  grep -q "modparam(\"auth\", \"algorithm\", \"$alg\")" "$cfg" || die "could not set the algorithm in $cfg"
  free_port kport uport lport || die "no free port"
  spawn "kamailio-$alg" "$(q /usr/sbin/kamailio -f "$cfg" -DD -E -w "$TMP" -Y "$TMP" -P "$TMP/kamailio-$alg.pid" \
    -A "PORT=$kport" -A "PASSWORD=\"$PASSWORD\"" -A "STATIC_UAS=\"sip:127.0.0.1:$uport\"")"; kam=$SPAWNED
  wait_listen udp "$kport" "$kam" 10 || die "kamailio ($alg) did not start: $(last_line "$TMP/kamailio-$alg.log")"
  spawn "uas-$alg" "$(q "$P/examples/uas") --bind 127.0.0.1:$uport --quiet"; uas=$SPAWNED
  wait_listen udp "$uport" "$uas" 5 || die "uas did not start"
  run_bounded 20 "uac-$alg" "$(q "$P/examples/uac") --target sip:service@127.0.0.1:$uport --bind 127.0.0.1:$lport \
    --register --registrar 127.0.0.1:$kport --user alice --password $PASSWORD --expires 300 --calls 1 --hold 100 --trace"; urc=$?
  stop_proc "$uas" 5; stop_proc "$kam" 5
  log=$TMP/uac-$alg.log
  [[ $urc == 0 ]] || die "$alg: uac rc $urc: $(last_line "$log")"
  grep -qE "^WWW-Authenticate:.*algorithm=\"?$alg\"?([,; ]|$)" "$log" || die "$alg: no 401 challenge with algorithm=$alg in the trace"
  grep -qE "^Authorization:.*algorithm=\"?$alg\"?([,; ]|$)" "$log" || die "$alg: no Authorization with algorithm=$alg in the trace"
  # the last response to a REGISTER (CSeq ... REGISTER) is a 200
  last=$(awk '/^SIP\/2.0 [0-9]+/ { code = $2 } /^CSeq: [0-9]+ REGISTER/ && code { last = code } /^[0-9][0-9]:/ { code = "" } END { print last }' "$log")
  [[ $last == 200 ]] || die "$alg: last response to the REGISTER is '$last', want 200"
  grep -q "interop: REGISTER sip:alice@" "$TMP/kamailio-$alg.log" || die "$alg: Kamailio did not save alice's binding"
  echo "$alg: REGISTER 401 then 200, Authorization algorithm=$alg; $(last_line "$log")"
  done_algs+=("$alg")
done
finish 0 "kamailio-sha256: PASS: REGISTER challenged and accepted with ${done_algs[*]}"
