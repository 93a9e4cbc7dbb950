#!/usr/bin/env bash
# A FRRouting BGP EVPN speaker of its own (zebra + bgpd) in RUNDIR, optionally inside a network namespace: how the
# tests and operators give a host the BGP side of Nimbo's vxlan networks in VXLAN_MODE=evpn (the agent makes the
# VXLAN devices without learning; zebra sees them on their bridges and bgpd advertises their VNIs and MACs, so
# remote MACs and flooding lists come from BGP instead of multicast). iBGP with the given peers, l2vpn evpn,
# advertise-all-vni.
#   scripts/frr-instance.sh start RUNDIR NETNS|- ROUTER_ID ASN PEER_IP...   # idempotent
#   scripts/frr-instance.sh stop RUNDIR
#   scripts/frr-instance.sh vtysh RUNDIR COMMAND
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
cmd=${1:?usage: frr-instance.sh start|stop|vtysh RUNDIR ...}
run=${2:?RUNDIR}
running() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]; }
alive() { [ -f "$run/$1.pid" ] && running "$(cat "$run/$1.pid")"; }
case $cmd in
start)
    ns=${3:?NETNS or -}; id=${4:?ROUTER_ID}; asn=${5:?ASN}; shift 5
    in=()
    [ "$ns" != - ] && in=(ip netns exec "$ns")
    mkdir -p "$run"
    {
        echo "frr defaults datacenter"
        echo "router bgp $asn"
        echo " bgp router-id $id"
        echo " no bgp default ipv4-unicast"
        for peer in "$@"; do echo " neighbor $peer remote-as $asn"; done
        echo " address-family l2vpn evpn"
        for peer in "$@"; do echo "  neighbor $peer activate"; done
        echo "  advertise-all-vni"
        echo " exit-address-family"
    } > "$run/bgpd.conf"
    : > "$run/zebra.conf"
    chown -R frr:frr "$run" # the daemons run as frr
    common=(-d -z "$run/zserv.api" --vty_socket "$run" --log "file:$run/frr.log")
    alive zebra || "${in[@]}" /usr/lib/frr/zebra "${common[@]}" -f "$run/zebra.conf" -i "$run/zebra.pid"
    for _ in $(seq 50); do [ -S "$run/zserv.api" ] && break; sleep 0.1; done
    alive bgpd || "${in[@]}" /usr/lib/frr/bgpd "${common[@]}" -f "$run/bgpd.conf" -i "$run/bgpd.pid"
    ;;
stop)
    for d in bgpd zebra; do
        if alive $d; then
            pid=$(cat "$run/$d.pid")
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 20); do running "$pid" || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$run"
    ;;
vtysh)
    vtysh --vty_socket "$run" -c "${3:?COMMAND}"
    ;;
*)
    echo "usage: $0 start|stop|vtysh RUNDIR ..." >&2
    exit 2
    ;;
esac
