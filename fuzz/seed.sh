#!/usr/bin/env bash
# Seed corpora for the fuzz targets, from the shared message corpus and the
# RFC 4475 / RFC 5118 conformance messages (read only; copies go under OUT).
#
#   fuzz/seed.sh [SHARED_DIR [OUT_DIR [TARGET...]]]
#     SHARED_DIR  default ../shared (beside the checkout)
#     OUT_DIR     default build/fuzz/seeds; writes OUT_DIR/<target>/
#     TARGET      default: every fuzz/fuzz_*.c
#
# fuzz_uri gets the URIs found in those messages (Request-URIs and <...>),
# fuzz_frame also a stream of every message with keep-alives between them,
# fuzz_stack also each message wrapped as a raw-message record (op 0,
# 2-byte little-endian length), fuzz_ua the same plus call flows written as
# its op records. Every other target gets the messages as they are.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${1:-$here/../../shared}
out=${2:-build/fuzz/seeds}
shift $(( $# < 2 ? $# : 2 ))
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in "$here"/fuzz_*.c; do t=$(basename "$f" .c); targets+=("$t"); done
fi

msgs=()
for f in "$shared"/corpus/* "$shared"/conformance/*/*.dat; do
  [[ -f $f ]] && msgs+=("$f")
done
if ((${#msgs[@]} == 0)); then
  echo "seed.sh: no messages under $shared/corpus or $shared/conformance" >&2
  exit 1
fi

# name for a copy: <dir>-<file>, so that equal names in two dirs do not clash
seed_name() { local d; d=$(basename "$(dirname "$1")"); echo "$d-$(basename "$1")"; }

for t in "${targets[@]}"; do
  dir=$out/$t
  rm -rf "$dir"
  mkdir -p "$dir"
  case $t in
  fuzz_uri)
    n=0
    for f in "${msgs[@]}"; do
      # Request-URI: second word of a request line; then every <...>
      { head -n1 "$f" | tr -d '\r' | awk '$3 == "SIP/2.0" { print $2 }'
        tr -d '\r' < "$f" | grep -ao '<[^<> ]*>' | tr -d '<>' || true
      } | while IFS= read -r u; do
        [[ -n $u ]] && printf '%s' "$u" > "$dir/uri-$(printf '%s' "$u" | cksum | cut -d' ' -f1)"
      done
      n=$((n + 1))
    done
    # a pair for the symmetry check (two URIs split at the first LF)
    printf 'sip:alice@example.com;transport=udp\nSIP:ALICE@EXAMPLE.COM;Transport=UDP' > "$dir/pair-1"
    printf 'sip:%%61lice@example.com:5060;lr?subject=x\nsip:alice@example.com:5060;lr?subject=x' > "$dir/pair-2"
    ;;
  *)
    for f in "${msgs[@]}"; do cp "$f" "$dir/$(seed_name "$f")"; done
    ;;
  esac
  case $t in
  fuzz_frame)
    for f in "${msgs[@]}"; do cat "$f"; printf '\r\n\r\n'; done > "$dir/stream-all"
    ;;
  fuzz_registrar)
    # sequences: NUL between pieces; a one-byte piece moves time on that
    # many seconds (see fuzz/fuzz_registrar.c)
    reg() { # call-id cseq extra-lines
      printf 'REGISTER sip:registrar.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK%s%s\r\nMax-Forwards: 70\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:bob@example.com>;tag=4562\r\nCall-ID: %s\r\nCSeq: %s REGISTER\r\n%bContent-Length: 0\r\n\r\n' "$1" "$2" "$1" "$2" "$3"
    }
    { reg c1 1 'Contact: <sip:bob@192.0.2.1>;q=0.5, <sip:bob@192.0.2.2>;expires=40\r\nExpires: 60\r\n'; printf '\0\x32\0'
      reg c1 2 'Contact: <sip:bob@192.0.2.1>\r\n'; printf '\0'; reg c1 3 ''; printf '\0'
      reg c1 4 'Contact: *\r\nExpires: 0\r\n'; } > "$dir/seq-register-refresh-removeall"
    { reg c1 1 'Contact: <sip:bob@192.0.2.1>\r\nExpires: 10\r\n'; printf '\0'
      reg c1 1 'Contact: <sip:bob@192.0.2.1>\r\n'; printf '\0'; reg c2 1 'Contact: <sip:bob@192.0.2.1>;expires=0\r\n'; printf '\0\xf2\0'
      reg c3 9 'Contact: <sip:bob@192.0.2.3>, <sip:bob@192.0.2.4>, <sip:bob@192.0.2.5>, <sip:bob@192.0.2.6>, <sip:bob@192.0.2.7>\r\n'; } \
      > "$dir/seq-423-order-caps"
    # with the digest server (odd length): credentials for the target's first
    # nonce (its generator is seeded alike): a stale=true 401 (not issued
    # yet), then the same credentials bind
    a='Authorization: Digest username="bob", realm="example.com", nonce="00000000000003e8000000000000000088691009f55cfcc82f56a65e48206e75", uri="sip:registrar.example.com", response="aa7ba072c6021d0973f97a7dbac7ec4b6c42c8a7194c8e4db2b5e60fead39076", algorithm=SHA-256, cnonce="0a4f113b", qop=auth, nc=00000001, opaque="a82dacbab18b8120140b35208339ca7f"'
    { reg c5 1 "Contact: <sip:bob@192.0.2.1>\\r\\n$a\\r\\n"; printf '\0'
      reg c5 2 "Contact: <sip:bob@192.0.2.1>\\r\\n$a\\r\\n"; } > "$dir/seq-digest"
    (( $(wc -c < "$dir/seq-digest") % 2 )) || printf '\0' >> "$dir/seq-digest"
    ;;
  fuzz_digest)
    # challenges (RFC 7616 §3.9.1, RFC 8760 §2.4 several algorithms, 401
    # with 407, escapes, stale) and credentials for the server side
    resp() { # status headers
      printf 'SIP/2.0 %s Unauthorized\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n%bContent-Length: 0\r\n\r\n' "$1" "$2"
    }
    resp 401 'WWW-Authenticate: Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"\r\n' > "$dir/rfc7616"
    resp 401 'WWW-Authenticate: Digest realm="r", nonce="a", algorithm=SHA-1\r\nWWW-Authenticate: Digest realm="r", nonce="b", algorithm=SHA-512-256-sess, qop="auth"\r\nWWW-Authenticate: Digest realm="r", nonce="c", algorithm=MD5\r\n' > "$dir/rfc8760-order"
    resp 407 'WWW-Authenticate: Digest realm="reg", nonce="a", qop="auth-int"\r\nProxy-Authenticate: Basic realm="x", Digest realm="p\\"q", nonce="b\\\\", stale=true\r\n' > "$dir/401-407-escapes"
    resp 401 'WWW-Authenticate: Digest realm="old", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"\r\n' > "$dir/rfc2069"
    req() { # headers
      printf 'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: c1\r\nCSeq: 2 REGISTER\r\n%bContent-Length: 0\r\n\r\n' "$1"
    }
    req 'Authorization: Digest username="alice", realm="example.com", nonce="00000000000003e80000000000000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", uri="sip:example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001, opaque="00"\r\n' > "$dir/credentials"
    req 'Proxy-Authorization: Digest username="al\\"ice", realm="example.com", nonce="x", uri="sip:example.com", response="00", algorithm=SHA-256, cnonce="c", qop=auth, nc=0000000g\r\nAuthorization: Digest realm="other", nonce="y"\r\n' > "$dir/credentials-odd"
    ;;
  fuzz_ua)
    # call flows as op records (see fuzz/fuzz_ua.c); the last byte is the
    # config (0x1f: 35 transactions, 8 calls)
    seq() { printf "$1" > "$dir/$2"; }
    seq '\x01\x01\x01\x05\x00\x01\x01\x05\x00\x01\x03\x03\x00\x00\x00\x04\xc8\x03\x00\x01\x01\x04\xff\x1f' uas-basic-call
    seq '\x01\x01\x01\x05\x00\x01\x01\x03\x00\x02\x00\x04\x10\x03\x00\x00\x08\x04\xff\x1f' uas-cancel
    seq '\x01\x01\x01\x05\x00\x01\x01\x03\x00\x01\x01\x04\xff\x1f' uas-bye-on-early-dialog
    seq '\x01\x01\x01\x05\x00\x01\x03\x03\x00\x00\x00\x03\x00\x03\x05\x05\x00\x01\x03\x03\x00\x00\x00\x03\x00\x01\x02\x04\xff\x1f' uas-reinvite
    seq '\x01\x01\x01\x05\x00\x01\x03\x04\xff\x04\xff\x1f' uas-2xx-never-acked
    seq '\x01\x01\x01\x05\x00\x01\x09\x04\xff\x1f' uas-reject-486
    seq '\x05\x00\x00\x00\x02\x00\x01\x00\x02\x00\x03\x00\x04\xc8\x05\x00\x02\x00\x02\x00\x03\x00\x04\xff\x1f' uac-basic-call
    seq '\x05\x00\x00\x00\x02\x00\x01\x00\x05\x00\x02\x00\x02\x00\x03\x00\x02\x01\x0a\x00\x04\xff\x1f' uac-cancel-487
    seq '\x05\x00\x00\x00\x02\x00\x01\x00\x05\x00\x02\x00\x02\x01\x03\x00\x04\xff\x1f' uac-cancel-crossing-200
    seq '\x05\x00\x00\x00\x02\x00\x01\x00\x02\x00\x03\x00\x02\x00\x03\x01\x04\xff\x1f' uac-forked-2xx
    seq '\x05\x00\x00\x00\x02\x00\x03\x00\x05\x00\x03\x00\x03\x00\x03\x05\x02\x01\x0b\x00\x04\xfc\x02\x00\x03\x00\x04\xff\x1f' uac-reinvite-glare
    seq '\x05\x00\x00\x00\x02\x00\x03\x00\x03\x01\x01\x01\x04\xff\x1f' uac-bye-from-callee
    seq '\x05\x00\x04\x00\x02\x00\x03\x00\x05\x00\x04\x01\x04\xff\x1f' options-both-ways
    ;;&
  fuzz_stack|fuzz_ua)
    for f in "${msgs[@]}"; do
      size=$(wc -c < "$f")
      ((size < 65536)) || continue
      { printf '\x00'; printf "\\x$(printf %02x $((size & 255)))\\x$(printf %02x $((size >> 8)))"; cat "$f"; } \
        > "$dir/rec-$(seed_name "$f")"
    done
    ;;
  esac
  # inputs that once failed (fuzz/regress/<target>/) run first, every time
  if [[ -d $here/regress/$t ]]; then cp "$here"/regress/"$t"/* "$dir"/; fi
  echo "seeds: $dir: $(find "$dir" -type f | wc -l) files"
done
