#!/usr/bin/env bash
# Installs (when missing) and starts what real KVM hosts and their tests need: QEMU, libvirt, an ISO builder for
# context CD-ROMs, static busybox and kmod for the test appliance. Idempotent; safe to call from tests and CI.
#   scripts/install-kvm-deps.sh          # install if needed, start virtlogd + libvirtd if not running
#   scripts/install-kvm-deps.sh check    # exit 0 when everything is installed and libvirtd answers
# No systemd here: the daemons are started directly.
set -euo pipefail

PKGS=(qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients xorriso busybox-static kmod cpio iproute2)
BINS=(qemu-system-x86_64 qemu-img virsh libvirtd virtlogd xorriso busybox depmod cpio ip)

missing() {
    local b
    for b in "${BINS[@]}"; do
        command -v "$b" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$b" >/dev/null 2>&1 || { echo "$b"; return 0; }
    done
    # the appliance's initramfs has no C library: Debian's plain "busybox" package (dynamic) replaces
    # busybox-static when something installs it, and the guests then die with "Failed to execute /init"
    dpkg -s busybox-static >/dev/null 2>&1 || { echo "busybox-static"; return 0; }
    return 1
}

libvirt_up() {
    virsh -c qemu:///system version >/dev/null 2>&1
}

if [[ ${1:-} == check ]]; then
    ! missing >/dev/null && libvirt_up
    exit $?
fi

export PATH=$PATH:/usr/sbin:/sbin
if m=$(missing); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install-kvm-deps: $m missing; run as root or: apt-get install ${PKGS[*]}" >&2
        exit 1
    fi
    echo "install-kvm-deps: installing ${PKGS[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >&2
fi

# Hugepage-backed guests (TOPOLOGY HUGEPAGE_SIZE) need hugetlbfs mounted before libvirtd starts: its QEMU driver
# looks for the mounts once, at start-up, and then makes DIR/libvirt/qemu in each. A libvirtd that started before
# the mount (no such directory) is restarted; its running guests are not touched by that.
if [[ $(id -u) -eq 0 ]]; then
    mkdir -p /dev/hugepages
    mountpoint -q /dev/hugepages || mount -t hugetlbfs hugetlbfs /dev/hugepages
    if libvirt_up && [[ ! -d /dev/hugepages/libvirt/qemu ]] && [[ -s /run/libvirtd.pid ]]; then
        echo "install-kvm-deps: restarting libvirtd so that it sees hugetlbfs" >&2
        pid=$(cat /run/libvirtd.pid) # (libvirtd -d writes its pid here)
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
    fi
fi

if ! libvirt_up; then
    [[ $(id -u) -eq 0 ]] || { echo "install-kvm-deps: libvirtd is not running and we are not root" >&2; exit 1; }
    pgrep -x virtlogd >/dev/null || virtlogd -d
    # (not "pgrep libvirtd": test hosts may run more libvirtd instances in their own namespaces)
    libvirtd -d || true
    for _ in $(seq 1 50); do
        libvirt_up && break
        sleep 0.2
    done
    libvirt_up || { echo "install-kvm-deps: libvirtd did not come up" >&2; exit 1; }
fi
echo "install-kvm-deps: ready ($(virsh -c qemu:///system version 2>/dev/null | awk '/Running hypervisor/ {print $3, $4}'))" >&2
