#!/usr/bin/env bash
# Nimbo's network drivers on two emulated hosts (network namespaces joined by a veth "uplink", each with an Open
# vSwitch of its own on the userspace datapath) and six guests (namespaces on taps, as libvirt would plug them):
#   vlan  - VLAN 100: 802.1Q (Linux VLAN device) where the kernel has 802.1Q, else ovswitch with tag 100
#   vxlan - vxlan VNI 500 in multicast group 239.0.1.244, guest b with a security group: ICMP and TCP 22 only
#   ovs   - ovswitch VLAN 200 with MAC/IP anti-spoofing flows (on the same OVS bridge as VLAN 100 when that one
#           is ovswitch too: networks on one PHYDEV share its switch, apart by tag)
# one guest of each network on each host, all in ONE IP subnet so that only the drivers keep networks apart. The
# drivers are the agent's own (dev.nimbo.agent.net, through its nimbo-net command). Proves with real traffic that
# same-network guests reach each other across the hosts, other networks' guests do not, the blocked port does not
# answer and the allowed one does; then cleans every VM and checks nothing is left on the hosts.
# Exits 0 only when all of that held, else names the failing check.    scripts/demo-net.sh
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=n10demo
HA=$P-a HB=$P-b
WORK=$(mktemp -d /tmp/$P.XXXXXX)
FAILED=0

cleanup() {
    for h in a b; do "$ROOT/scripts/ovs-instance.sh" stop "$WORK/ovs-$h" >/dev/null 2>&1 || true; done
    for ns in $(ip netns list | awk '{print $1}' | grep "^$P-" || true); do ip netns del "$ns"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
check() { # check "what" command...
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then echo "  ok    $what"; else echo "  FAIL  $what"; FAILED=1; fi
}
refuse() { # refuse "what" command...: the command must fail
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then echo "  FAIL  $what"; FAILED=1; else echo "  ok    $what"; fi
}

"$ROOT/scripts/install-net-deps.sh" >/dev/null
NIMBO_ROOT=$ROOT
. "$ROOT/bin/lib/common.sh"
nimbo_find_java
nimbo_ensure_built nimbo-agent
JAR=$(ls "$ROOT"/nimbo-agent/target/nimbo-agent-*.jar | head -n1)
net() { "$JAVA" -cp "$JAR:$ROOT/nimbo-agent/target/lib/*" dev.nimbo.agent.net.NetCommand "$@"; }

echo "== two emulated hosts"
cleanup; WORK=$(mktemp -d /tmp/$P.XXXXXX)
for ns in $HA $HB; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n $HA link add ua type veth peer name ub netns $HB
ip -n $HA addr add 192.168.88.1/24 dev ua; ip -n $HA link set ua up
ip -n $HB addr add 192.168.88.2/24 dev ub; ip -n $HB link set ub up
for h in a b; do "$ROOT/scripts/ovs-instance.sh" start "$WORK/ovs-$h" "$P-$h" 2>/dev/null; done

VLAN_MAD=802.1Q
if ! ip -n $HA link add link ua name probe type vlan id 9 2>/dev/null; then
    VLAN_MAD=ovswitch
    echo "   (this kernel makes no 802.1Q devices: the VLAN network uses ovswitch)"
fi
ip -n $HA link del probe 2>/dev/null || true

# guest NAME VMID HOST(a|b) NETWORK(vlan|vxlan|ovs) N: writes its template, runs pre, plugs it, runs post
guest() {
    local name=$1 vm=$2 h=$3 kind=$4 n=$5 phy=u$3
    local mac ip=10.90.0.$n nic
    mac=$(printf '02:00:0a:5a:00:%02x' "$n")
    case $kind in
    vlan) if [[ $VLAN_MAD == 802.1Q ]]; then nic="VN_MAD=\"802.1Q\", BRIDGE=\"onebr.100\""
          else nic="VN_MAD=ovswitch, BRIDGE=n10ovs"; fi
          nic="$nic, NETWORK_ID=1, PHYDEV=$phy, VLAN_ID=100" ;;
    vxlan) nic="VN_MAD=vxlan, NETWORK_ID=2, BRIDGE=\"onebr.500\", PHYDEV=$phy, VLAN_ID=500" ;;
    ovs) nic="VN_MAD=ovswitch, NETWORK_ID=3, BRIDGE=n10ovs, PHYDEV=$phy, VLAN_ID=200" ;;
    esac
    local t=$WORK/vm$vm
    echo "NIC=[ NIC_ID=0, $nic, MAC=\"$mac\", IP=\"$ip\"${SG:+, SECURITY_GROUPS=100} ]" > "$t"
    [[ -n ${SG:-} ]] && cat >> "$t" <<'RULES'
SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=ICMP, RULE_TYPE=inbound ]
SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=TCP, RULE_TYPE=inbound, RANGE="22" ]
SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=ALL, RULE_TYPE=outbound ]
RULES
    local ovs=(--ovs-rundir "$WORK/ovs-$h" --ovs-datapath netdev)
    net pre "$vm" "$t" --netns "$P-$h" "${ovs[@]}"
    ip netns add "$P-$name"; ip -n "$P-$name" link set lo up
    ip -n "$P-$h" link add "one-$vm-0" type veth peer name eth0 netns "$P-$name"
    ip -n "$P-$name" link set eth0 address "$mac" up
    ip -n "$P-$name" addr add "$ip/24" dev eth0
    local bridge; bridge=$(grep -o 'BRIDGE=[^,]*' "$t" | cut -d= -f2 | tr -d '"')
    if grep -q ovswitch "$t"; then
        ovs-vsctl --db="unix:$WORK/ovs-$h/db.sock" add-port "$bridge" "one-$vm-0"
    else
        ip -n "$P-$h" link set "one-$vm-0" master "$bridge"
    fi
    ip -n "$P-$h" link set "one-$vm-0" up
    net post "$vm" "$t" --netns "$P-$h" "${ovs[@]}"
    echo "   guest $name (VM $vm) on host $h, network $kind, $ip"
}
echo "== six guests"
guest vlan-a 1 a vlan 1; guest vlan-b 2 b vlan 2
guest vxlan-a 3 a vxlan 3; SG=yes guest vxlan-b 4 b vxlan 4
guest ovs-a 5 a ovs 5; guest ovs-b 6 b ovs 6

pings() { # pings FROM IP: up to 15 s (ARP and the userspace switch learn first)
    for _ in $(seq 15); do ip netns exec "$P-$1" busybox ping -c 1 -W 1 "$2" && return 0; done
    return 1
}
once() { ip netns exec "$P-$1" busybox ping -c 1 -W 1 "$2"; }
port() { # port FROM TO IP PORT: a listener on TO answers a TCP connection from FROM
    ip netns exec "$P-$2" nc -l "$4" & local l=$!
    sleep 0.3
    local rc=0; ip netns exec "$P-$1" nc -z -w 2 "$3" "$4" || rc=1
    kill $l 2>/dev/null || true; wait $l 2>/dev/null || true
    return $rc
}
echo "== traffic"
check "vlan: a reaches b across the hosts" pings vlan-a 10.90.0.2
check "vxlan: a reaches b across the hosts" pings vxlan-a 10.90.0.4
check "ovs: a reaches b across the hosts" pings ovs-a 10.90.0.6
refuse "vlan guest does not reach the vxlan guest" once vlan-a 10.90.0.4
refuse "vlan guest does not reach the ovs guest" once vlan-a 10.90.0.6
refuse "ovs guest does not reach the vlan guest" once ovs-b 10.90.0.1
refuse "vxlan guest does not reach the ovs guest" once vxlan-a 10.90.0.5
check "security group: TCP 22 of vxlan-b answers" port vxlan-a vxlan-b 10.90.0.4 22
refuse "security group: TCP 8080 of vxlan-b is blocked" port vxlan-a vxlan-b 10.90.0.4 8080

echo "== all guests leave"
for vm in 1 2 3 4 5 6; do
    h=$([[ $((vm % 2)) == 1 ]] && echo a || echo b)
    ip -n "$P-$h" link del "one-$vm-0" 2>/dev/null || true
    net clean "$vm" "$WORK/vm$vm" --netns "$P-$h" --ovs-rundir "$WORK/ovs-$h" --ovs-datapath netdev
done
for h in a b; do
    links=$(ip -n "$P-$h" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v -x -e lo -e u$h \
        -e ovs-netdev | tr '\n' ' ' || true)
    check "host $h: no bridge, uplink or tap left${links:+ (left: $links)}" test -z "$links"
    check "host $h: no OVS bridge left" test -z "$(ovs-vsctl --db="unix:$WORK/ovs-$h/db.sock" list-br)"
    refuse "host $h: no nftables table left" ip netns exec "$P-$h" nft list table bridge nimbo
done
if [[ $FAILED == 0 ]]; then echo "demo-net: all checks held"; else echo "demo-net: FAILED" >&2; fi
exit $FAILED
