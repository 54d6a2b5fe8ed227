#!/usr/bin/env bash
# examples/uac registers at Kamailio (../shared/interop/kamailio/kamailio.cfg,
# copied to a temp dir with the auth module's algorithm set) three times: MD5
# without qop (the shared configuration's challenge, the RFC 2069 form), MD5
# with qop=auth, SHA-256 with qop=auth (RFC 7616; www_challenge's flag 1 adds
# the qop). Each REGISTER is challenged (401 with that algorithm), answered
# with an Authorization carrying algorithm=ALG (and qop=auth, nc and cnonce
# when offered, RFC 7616 §3.4), and accepted (200); then one call to the
# project's uas, so the uac exits 0.
# Usage: tests/interop/kamailio-sha256.sh [PROJECT_DIR]   Env: KEEP_LOGS=1
source "$(dirname "$0")/../../../shared/interop/lib.sh"
[[ -x $P/examples/uas && -x $P/examples/uac ]] || die "build the project first (make)"
PASSWORD=secret
done_algs=()
for run in MD5:0 MD5:1 SHA-256:1; do
  alg=${run%:*} flag=${run#*:}
  label=$alg; ((flag)) && label="$alg+qop=auth"
  cfg=$TMP/kamailio-$alg-$flag.cfg
  sed -e "/^modparam(\"auth\", \"qop\"/a modparam(\"auth\", \"algorithm\", \"$alg\")" \
    -e "s/www_challenge(\"\$td\", \"0\")/www_challenge(\"\$td\", \"$flag\")/" \
    "$INTEROP/kamailio/kamailio.cfg" >"$cfg"
  grep -q "modparam(\"auth\", \"algorithm\", \"$alg\")" "$cfg" || die "could not set the algorithm in $cfg"
  grep -q "www_challenge(\"\$td\", \"$flag\")" "$cfg" || die "could not set www_challenge's flags in $cfg"
  free_port kport uport lport || die "no free port"
  spawn "kamailio-$alg-$flag" "$(q /usr/sbin/kamailio -f "$cfg" -DD -E -w "$TMP" -Y "$TMP" -P "$TMP/kamailio-$alg-$flag.pid" \
    -A "PORT=$kport" -A "PASSWORD=\"$PASSWORD\"" -A "STATIC_UAS=\"sip:127.0.0.1:$uport\"")"; kam=$SPAWNED
  wait_listen udp "$kport" "$kam" 10 || die "kamailio ($label) did not start: $(last_line "$TMP/kamailio-$alg-$flag.log")"
  spawn "uas-$alg-$flag" "$(q "$P/examples/uas") --bind 127.0.0.1:$uport --quiet"; uas=$SPAWNED
  wait_listen udp "$uport" "$uas" 5 || die "uas did not start"
  run_bounded 20 "uac-$alg-$flag" "$(q "$P/examples/uac") --target sip:service@127.0.0.1:$uport --bind 127.0.0.1:$lport \
    --register --registrar 127.0.0.1:$kport --user alice --password $PASSWORD --expires 300 --calls 1 --hold 100 --trace"; urc=$?
  stop_proc "$uas" 5; stop_proc "$kam" 5
  log=$TMP/uac-$alg-$flag.log
  [[ $urc == 0 ]] || die "$label: uac rc $urc: $(last_line "$log")"
  grep -qE "^WWW-Authenticate:.*algorithm=\"?$alg\"?([,; ]|$)" "$log" || die "$label: no 401 challenge with algorithm=$alg in the trace"
  grep -qE "^Authorization:.*algorithm=\"?$alg\"?([,; ]|$)" "$log" || die "$label: no Authorization with algorithm=$alg in the trace"
  if ((flag)); then
    grep -qE '^WWW-Authenticate:.*qop="auth"' "$log" || die "$label: the 401 offers no qop=auth"
    grep -E '^Authorization:' "$log" | grep -qE 'qop=auth.*nc=00000001|nc=00000001.*qop=auth' ||
      die "$label: no Authorization with qop=auth and nc=00000001"
    grep -E '^Authorization:' "$log" | grep -q 'cnonce="' || die "$label: no cnonce in the Authorization"
  else
    grep -E '^Authorization:' "$log" | grep -q 'qop=' && die "$label: qop sent though none was offered (RFC 2069 form)"
  fi
  # the last response to a REGISTER (CSeq ... REGISTER) is a 200
  last=$(awk '/^SIP\/2.0 [0-9]+/ { code = $2 } /^CSeq: [0-9]+ REGISTER/ && code { last = code } /^[0-9][0-9]:/ { code = "" } END { print last }' "$log")
  [[ $last == 200 ]] || die "$label: last response to the REGISTER is '$last', want 200"
  grep -q "interop: REGISTER sip:alice@" "$TMP/kamailio-$alg-$flag.log" || die "$label: Kamailio did not save alice's binding"
  echo "$label: REGISTER 401 then 200, Authorization algorithm=$alg; $(last_line "$log")"
  done_algs+=("$label")
done
finish 0 "kamailio-sha256: PASS: REGISTER challenged and accepted with ${done_algs[*]}"
