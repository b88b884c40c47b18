#!/usr/bin/env bash
# Test helper: a pair of network namespaces ("server" and "attacker") joined by a veth pair, with
# IPv4 10.x and IPv6 fd00:: (ULA) addresses that exist only inside the namespaces. Names carry a
# random suffix so parallel runs don't collide. Needs root and iproute2.
#
#   scripts/netns.sh create            # prints shell assignments (eval them), leaves the pair up
#   scripts/netns.sh destroy SUFFIX    # removes the pair created with that suffix
#   scripts/netns.sh run CMD [ARG...]  # create, export the variables, run CMD, always destroy
#
# Variables: F2B_NS_SUFFIX F2B_NS_SERVER F2B_NS_ATTACKER F2B_SERVER_IP4 F2B_ATTACKER_IP4
#            F2B_ATTACKER2_IP4 F2B_SERVER_IP6 F2B_ATTACKER_IP6 F2B_ATTACKER2_IP6
set -euo pipefail

die() { echo "netns.sh: $*" >&2; exit 1; }

names() {
  F2B_NS_SUFFIX=$1
  F2B_NS_SERVER="f2bs-$1"
  F2B_NS_ATTACKER="f2ba-$1"
}

destroy() {
  [[ $1 =~ ^[a-z0-9]+$ ]] || die "bad suffix: $1"
  names "$1"
  ip netns del "$F2B_NS_SERVER" 2>/dev/null || true
  ip netns del "$F2B_NS_ATTACKER" 2>/dev/null || true
}

create() {
  local suffix a b h
  suffix=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
  names "$suffix"
  a=$(( 16#${suffix:0:2} % 200 + 20 ))
  b=$(( 16#${suffix:2:2} ))
  h=${suffix:4:4}
  F2B_SERVER_IP4="10.$a.$b.1"
  F2B_ATTACKER_IP4="10.$a.$b.2"
  F2B_ATTACKER2_IP4="10.$a.$b.3"
  F2B_SERVER_IP6="fd00:$h::1"
  F2B_ATTACKER_IP6="fd00:$h::2"
  F2B_ATTACKER2_IP6="fd00:$h::3"
  trap 'destroy "$suffix"' ERR
  ip netns add "$F2B_NS_SERVER"
  ip netns add "$F2B_NS_ATTACKER"
  ip link add "vs$suffix" netns "$F2B_NS_SERVER" type veth peer name "va$suffix" netns "$F2B_NS_ATTACKER"
  local ns dev
  for ns in "$F2B_NS_SERVER" "$F2B_NS_ATTACKER"; do ip -n "$ns" link set lo up; done
  ip -n "$F2B_NS_SERVER" addr add "$F2B_SERVER_IP4/24" dev "vs$suffix"
  ip -n "$F2B_NS_SERVER" addr add "$F2B_SERVER_IP6/64" dev "vs$suffix" nodad
  ip -n "$F2B_NS_ATTACKER" addr add "$F2B_ATTACKER_IP4/24" dev "va$suffix"
  ip -n "$F2B_NS_ATTACKER" addr add "$F2B_ATTACKER2_IP4/24" dev "va$suffix"
  ip -n "$F2B_NS_ATTACKER" addr add "$F2B_ATTACKER_IP6/64" dev "va$suffix" nodad
  ip -n "$F2B_NS_ATTACKER" addr add "$F2B_ATTACKER2_IP6/64" dev "va$suffix" nodad
  # ICMP errors are rate limited per peer; tests that reject many probes in a row need every answer
  ip netns exec "$F2B_NS_SERVER" sysctl -q -w net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
  ip -n "$F2B_NS_SERVER" link set "vs$suffix" up
  ip -n "$F2B_NS_ATTACKER" link set "va$suffix" up
  trap - ERR
}

print_vars() {
  local v
  for v in F2B_NS_SUFFIX F2B_NS_SERVER F2B_NS_ATTACKER F2B_SERVER_IP4 F2B_ATTACKER_IP4 F2B_ATTACKER2_IP4 \
           F2B_SERVER_IP6 F2B_ATTACKER_IP6 F2B_ATTACKER2_IP6; do
    printf '%s=%q\n' "$v" "${!v}"
  done
}

[[ $EUID -eq 0 ]] || die "needs root"
case "${1:-}" in
  create) create; print_vars ;;
  destroy) [[ $# -eq 2 ]] || die "usage: $0 destroy SUFFIX"; destroy "$2" ;;
  run)
    shift; [[ $# -ge 1 ]] || die "usage: $0 run CMD [ARG...]"
    create
    trap 'destroy "$F2B_NS_SUFFIX"' EXIT INT TERM
    export F2B_NS_SUFFIX F2B_NS_SERVER F2B_NS_ATTACKER F2B_SERVER_IP4 F2B_ATTACKER_IP4 F2B_ATTACKER2_IP4 \
           F2B_SERVER_IP6 F2B_ATTACKER_IP6 F2B_ATTACKER2_IP6
    "$@"
    ;;
  *) die "usage: $0 create | destroy SUFFIX | run CMD [ARG...]" ;;
esac
