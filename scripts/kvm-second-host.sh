#!/usr/bin/env bash
# Extra hypervisor "hosts" on this one machine, for migration tests and demos: each host NAME is a libvirtd of its
# own, isolated in its own mount namespace (its own /run/libvirt, /var/lib/libvirt, /etc/libvirt, /var/log/libvirt,
# /var/cache/libvirt copies; its own host_uuid so libvirt accepts migrating "to another host") and its own network
# namespace (QEMU processes live there too). Networks:
#   - management: every host's eth0 sits on the bridge ${PFX}mgt of this machine (address ${NET}.1.1): the
#     front-end and agents reach each host's libvirtd (qemu+tcp, no auth, bound to the host's address only) and
#     QEMU migration streams (and NBD storage copy) go host to host, all on loopback-only links;
#   - guests: a bridge named like the test bridge inside each host namespace, joined by a veth to the test bridge
#     ${PFX}br0 of this machine, whose namespace ${PFX}test (${NET}.0.1) pings the guests (scripts/kvm-test-net.sh).
# The machine's own libvirtd is never touched. Idempotent; every name starts with the prefix (default mig9).
#   scripts/kvm-second-host.sh up NAME INDEX   # INDEX 1..200 -> address ${NET}.1.(INDEX+1); prints:
#                                              # NAME ADDRESS LIBVIRT_SOCKET BRIDGE TEST_NETNS TEST_NETNS_IP
#   scripts/kvm-second-host.sh exec NAME CMD...  # runs CMD inside the host's namespaces (e.g. bin/nimbo-agent)
#   scripts/kvm-second-host.sh down NAME
#   scripts/kvm-second-host.sh net-down         # the shared bridges and test namespace (after every host is down)
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
PFX=${NIMBO_HOSTS_PREFIX:-mig9}
NET=${NIMBO_HOSTS_NET:-10.219}
BR=${PFX}br0
MGT=${PFX}mgt
TESTNS=${PFX}test
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=/run/${PFX}-hosts            # nsfs mount files live here (a private mount, as nsfs binds require)
DATA=/var/tmp/${PFX}-hosts         # per host libvirt directories (bind-mounted over the real ones)

ns_file() { echo "$STATE/$1.mnt"; }
in_host() { local n=$1; shift; nsenter --mount="$(ns_file "$n")" --net="/run/netns/$n" --wd="$PWD" -- "$@"; }

shared_net() {
    NIMBO_TEST_BRIDGE=$BR NIMBO_TEST_NETNS=$TESTNS NIMBO_TEST_NETNS_IP=$NET.0.1 \
        bash "$ROOT/scripts/kvm-test-net.sh" up >/dev/null
    ip link show "$MGT" >/dev/null 2>&1 || ip link add "$MGT" type bridge
    ip link set "$MGT" up
    addrs=$(ip -o addr show dev "$MGT")
    [[ $addrs == *"inet $NET.1.1/"* ]] || ip addr add "$NET.1.1/24" dev "$MGT"
}

mount_ns() {
    local n=$1 d=$DATA/$1
    mkdir -p "$STATE"
    if ! mountpoint -q "$STATE"; then
        mount --bind "$STATE" "$STATE"
        mount --make-private "$STATE"
    fi
    if [[ -e $(ns_file "$n") ]] && nsenter --mount="$(ns_file "$n")" true 2>/dev/null; then
        return
    fi
    mkdir -p "$d"/{run,lib,log,cache}
    rm -rf "$d/etc" && cp -a /etc/libvirt "$d/etc"
    rm -rf "$d/etc/qemu/networks" "$d/etc/qemu/"*.xml "$d/etc/qemu/autostart" # no default network, no domains
    mkdir -p "$d/lib/qemu" "$d/lib/images" "$d/log/qemu" "$d/cache/qemu"
    touch "$(ns_file "$n")"
    unshare --mount="$(ns_file "$n")" --propagation private true
    nsenter --mount="$(ns_file "$n")" -- sh -c "
        mount --bind '$d/run' /run/libvirt && mount --bind '$d/lib' /var/lib/libvirt &&
        mount --bind '$d/etc' /etc/libvirt && mount --bind '$d/log' /var/log/libvirt &&
        mount --bind '$d/cache' /var/cache/libvirt"
}

configure() {
    local n=$1 addr=$2 d=$DATA/$1
    local uuid
    uuid=$(printf '%s' "$PFX-$n" | md5sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
    cat >"$d/etc/libvirtd.conf" <<EOF
# ${PFX} host $n: its own libvirtd; TCP without auth on its namespace address only (migration between hosts)
listen_tls = 0
listen_tcp = 1
listen_addr = "$addr"
auth_tcp = "none"
auth_unix_rw = "none"
host_uuid = "$uuid"
EOF
    # root QEMU without cgroups (domain names may repeat those of the machine's own libvirtd: no scope clashes),
    # console and logs in files (no virtlogd in the namespace)
    cat >"$d/etc/qemu.conf" <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
migration_address = "$addr"
EOF
}

up() {
    local n=$1 idx=$2
    [[ $n == "$PFX"* ]] || { echo "kvm-second-host: NAME must start with $PFX" >&2; exit 2; }
    local addr=$NET.1.$((idx + 1))
    shared_net
    [[ -e /run/netns/$n ]] || ip netns add "$n"
    if ! ip link show "${n}m" >/dev/null 2>&1; then
        ip link add "${n}m" type veth peer name eth0 netns "$n"
    fi
    ip link set "${n}m" master "$MGT" up
    if ! ip link show "${n}g" >/dev/null 2>&1; then
        ip link add "${n}g" type veth peer name gw0 netns "$n"
    fi
    ip link set "${n}g" master "$BR" up
    ip netns exec "$n" sh -c "
        ip link set lo up; ip link set eth0 up
        ip -o addr show dev eth0 | grep -q 'inet $addr/' || ip addr add $addr/24 dev eth0
        ip link show $BR >/dev/null 2>&1 || ip link add $BR type bridge
        ip link set gw0 master $BR up; ip link set $BR up"
    mount_ns "$n"
    configure "$n" "$addr"
    local sock=$DATA/$n/run/libvirt-sock
    if ! virsh -c "qemu+unix:///system?socket=$sock" version >/dev/null 2>&1; then
        in_host "$n" libvirtd -d --listen --pid-file /run/libvirt/libvirtd.pid
        for _ in $(seq 1 100); do
            virsh -c "qemu+unix:///system?socket=$sock" version >/dev/null 2>&1 && break
            sleep 0.2
        done
        virsh -c "qemu+unix:///system?socket=$sock" version >/dev/null 2>&1 \
            || { echo "kvm-second-host: libvirtd of $n did not come up" >&2; tail -20 "$DATA/$n/log/"*.log >&2 || true; exit 1; }
    fi
    echo "$n $addr $sock $BR $TESTNS $NET.0.1"
}

down() {
    local n=$1
    local sock=$DATA/$n/run/libvirt-sock
    if [[ -S $sock ]]; then
        for dom in $(virsh -c "qemu+unix:///system?socket=$sock" list --name 2>/dev/null); do
            virsh -c "qemu+unix:///system?socket=$sock" destroy "$dom" >/dev/null 2>&1 || true
        done
    fi
    if [[ -f $DATA/$n/run/libvirtd.pid ]]; then
        pid=$(cat "$DATA/$n/run/libvirtd.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
    fi
    ip link del "${n}m" 2>/dev/null || true
    ip link del "${n}g" 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
    if [[ -e $(ns_file "$n") ]]; then
        umount "$(ns_file "$n")" 2>/dev/null || true
        rm -f "$(ns_file "$n")"
    fi
    rm -rf "${DATA:?}/$n"
}

case ${1:-} in
up) up "${2:?NAME}" "${3:?INDEX}" ;;
exec)
    n=${2:?NAME}
    shift 2
    in_host "$n" "$@"
    ;;
down) down "${2:?NAME}" ;;
net-down)
    ip link del "$MGT" 2>/dev/null || true
    NIMBO_TEST_BRIDGE=$BR NIMBO_TEST_NETNS=$TESTNS bash "$ROOT/scripts/kvm-test-net.sh" down
    ;;
*)
    echo "usage: $0 up NAME INDEX | exec NAME CMD... | down NAME | net-down" >&2
    exit 2
    ;;
esac
