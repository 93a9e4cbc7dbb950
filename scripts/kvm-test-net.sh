#!/usr/bin/env bash
# The test network of KVM tests and the demo: a Linux bridge with no address on this host, and a network namespace
# of our own plugged into it (veth) holding the only address on it. Guests on the bridge are pinged from inside the
# namespace, so no test traffic ever leaves this machine or touches the host's own interfaces. Idempotent.
#   scripts/kvm-test-net.sh up     # prints: BRIDGE NETNS NETNS_IP PREFIX (e.g. nimbotbr0 nimbotest 10.213.0.1 24)
#   scripts/kvm-test-net.sh down
#   scripts/kvm-test-net.sh ping IP [SECONDS]   # exit 0 once IP answers from the namespace (default 60 s)
set -euo pipefail
BR=${NIMBO_TEST_BRIDGE:-nimbotbr0}
NS=${NIMBO_TEST_NETNS:-nimbotest}
IP=${NIMBO_TEST_NETNS_IP:-10.213.0.1}
PREFIX=24
export PATH=$PATH:/usr/sbin:/sbin

case ${1:-up} in
up)
    ip link show "$BR" >/dev/null 2>&1 || ip link add "$BR" type bridge
    ip link set "$BR" up
    # (outputs captured first: grep -q in a pipeline under pipefail fails at random on SIGPIPE)
    [[ -e /run/netns/$NS ]] || ip netns add "$NS"
    if ! ip link show "${BR}v0" >/dev/null 2>&1; then
        ip link add "${BR}v0" type veth peer name "${BR}v1"
        ip link set "${BR}v1" netns "$NS"
    fi
    ip link set "${BR}v0" master "$BR" up
    ip netns exec "$NS" ip link set lo up
    ip netns exec "$NS" ip link set "${BR}v1" up
    addrs=$(ip netns exec "$NS" ip -o addr show dev "${BR}v1")
    [[ $addrs == *"inet $IP/"* ]] || ip netns exec "$NS" ip addr add "$IP/$PREFIX" dev "${BR}v1"
    echo "$BR $NS $IP $PREFIX"
    ;;
down)
    ip link del "${BR}v0" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    ip link del "$BR" 2>/dev/null || true
    ;;
ping)
    target=${2:?usage: kvm-test-net.sh ping IP [SECONDS]}
    deadline=$(( $(date +%s) + ${3:-60} ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        if ip netns exec "$NS" busybox ping -c 1 -W 1 "$target" >/dev/null 2>&1; then
            exit 0
        fi
    done
    echo "kvm-test-net: $target did not answer ping within ${3:-60} s" >&2
    exit 1
    ;;
*)
    echo "usage: $0 up|down|ping IP [SECONDS]" >&2
    exit 2
    ;;
esac
