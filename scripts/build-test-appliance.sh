#!/usr/bin/env bash
# Builds the tiny test appliance from Debian packages: a cloud kernel (vmlinuz), a busybox initramfs
# (initrd.img) and a small DATABLOCK (datablock.raw, datablock.qcow2). The guest loads the virtio (incl. the memory balloon)/IDE/SCSI/ISO modules, mounts
# its CONTEXT CD-ROM, configures its NICs from context.sh (ETHn_MAC/ETHn_IP/ETHn_MASK/ETHn_GATEWAY), sets its
# hostname, runs START_SCRIPT if any, powers off on the ACPI power button, and stays up answering ping. It prints
# "nimbo-appliance: ready" on its serial console when done, which tests read.
#
#   scripts/build-test-appliance.sh [DIR]   # prints DIR; cached: rebuilt only when this script changes
#
# DIR defaults to $NIMBO_APPLIANCE_DIR or target/appliance under the project root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-${NIMBO_APPLIANCE_DIR:-$ROOT/target/appliance}}
STAMP="$OUT/.built-by"
# (the busybox in use is part of the stamp: an appliance built with another one is built again)
SELF_SUM=$( (sha256sum "$0"; sha256sum "$(readlink -f "$(command -v busybox || echo /dev/null)")") | sha256sum | cut -d' ' -f1)

if [[ -f $STAMP && $(cat "$STAMP") == "$SELF_SUM" && -f $OUT/vmlinuz && -f $OUT/initrd.img && -f $OUT/datablock.qcow2 ]]; then
    echo "$OUT"
    exit 0
fi

need() { command -v "$1" >/dev/null 2>&1; }
if ! need busybox || ! need depmod || ! need cpio || ! need qemu-img || ! dpkg -s busybox-static >/dev/null 2>&1; then
    "$ROOT/scripts/install-kvm-deps.sh" >&2
fi
if ldd "$(readlink -f "$(command -v busybox)")" >/dev/null 2>&1; then
    echo "build-test-appliance: $(command -v busybox) is dynamically linked; the initramfs needs busybox-static" >&2
    exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# The cloud kernel flavour: small, boots fast, has virtio as modules.
META=linux-image-cloud-amd64
PKG=$(apt-cache depends "$META" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
if [[ -z $PKG ]]; then
    apt-get update -qq >&2
    PKG=$(apt-cache depends "$META" | awk '/Depends: linux-image-/ {print $2; exit}')
fi
[[ -n $PKG ]] || { echo "build-test-appliance: no $META package known to apt" >&2; exit 1; }
(cd "$WORK" && apt-get download -q "$PKG" >&2 2>/dev/null) || (cd "$WORK" && apt-get download "$PKG" >&2)
dpkg-deb -x "$WORK"/"$PKG"_*.deb "$WORK/k"
KVER=$(ls "$WORK/k/lib/modules")
depmod -b "$WORK/k" "$KVER"

# The initramfs: static busybox, the modules the guest needs (in dependency order), and the init.
R="$WORK/root"
mkdir -p "$R"/{bin,dev,proc,sys,etc,tmp,mnt/context,lib/modules}
cp "$(readlink -f "$(command -v busybox)")" "$R/bin/busybox"
: > "$R/lib/modules/order"
for m in virtio_pci virtio_net virtio_blk virtio_scsi virtio_balloon ata_piix sr_mod sd_mod isofs button evdev; do
    modprobe -d "$WORK/k" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}' | while read -r ko; do
        base=$(basename "$ko")
        if ! grep -qx "$base" "$R/lib/modules/order"; then
            cp "$ko" "$R/lib/modules/$base"
            echo "$base" >> "$R/lib/modules/order"
        fi
    done
done

cat > "$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m 2>/dev/null; done
say() { echo "nimbo-appliance: $*" > /dev/console; }
say "booted $(uname -r)"
# ACPI power button -> clean poweroff (the VMM's "shutdown" presses it): any event of that input device will do
for e in /sys/class/input/event*; do
    if [ "$(cat $e/device/name 2>/dev/null)" = "Power Button" ]; then
        ( head -c 1 /dev/input/$(basename $e) > /dev/null; say "power button, powering off"; sync; poweroff -f ) &
    fi
done
ip link set lo up
# The CONTEXT CD-ROM appears a moment after the modules load.
ctx=""
for try in $(seq 1 50); do
    for d in /dev/sr* /dev/vd* /dev/sd* /dev/hd*; do
        [ -b "$d" ] || continue
        if mount -t iso9660 -o ro "$d" /mnt/context 2>/dev/null; then
            if [ -f /mnt/context/context.sh ]; then ctx=$d; break 2; fi
            umount /mnt/context
        fi
    done
    usleep 100000
done
if [ -z "$ctx" ]; then
    say "no context CD-ROM found"
else
    say "context from $ctx"
    . /mnt/context/context.sh
    [ -n "$SET_HOSTNAME" ] && hostname "$SET_HOSTNAME"
    [ -z "$SET_HOSTNAME" ] && [ -n "$HOSTNAME" ] && hostname "$HOSTNAME"
    for i in 0 1 2 3 4 5 6 7; do
        eval mac=\$ETH${i}_MAC ip=\$ETH${i}_IP mask=\$ETH${i}_MASK gw=\$ETH${i}_GATEWAY
        [ -n "$mac" ] || continue
        dev=""
        for n in /sys/class/net/*; do
            [ "$(cat $n/address)" = "$mac" ] && dev=$(basename $n)
        done
        [ -n "$dev" ] || { say "no interface with MAC $mac"; continue; }
        ip link set "$dev" up
        if [ -n "$ip" ]; then
            ifconfig "$dev" "$ip" netmask "${mask:-255.255.255.0}" up
            [ -n "$gw" ] && route add default gw "$gw" 2>/dev/null
            say "$dev $mac $ip/${mask:-255.255.255.0}"
        fi
    done
    if [ -n "$START_SCRIPT_BASE64" ]; then
        echo "$START_SCRIPT_BASE64" | base64 -d > /tmp/start.sh
    elif [ -n "$START_SCRIPT" ]; then
        echo "$START_SCRIPT" > /tmp/start.sh
    fi
    [ -f /tmp/start.sh ] && sh /tmp/start.sh > /dev/console 2>&1
fi
say "ready hostname=$(hostname)"
while true; do sleep 3600; done
EOF
chmod +x "$R/init"

(cd "$R" && find . | cpio -o -H newc --quiet | gzip -9) > "$WORK/initrd.img"
cp "$WORK/k/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
# A 4 MiB empty DATABLOCK, raw and qcow2 (persistent images need qcow2 for snapshots with memory)
truncate -s 4M "$WORK/datablock.raw"
qemu-img convert -q -f raw -O qcow2 "$WORK/datablock.raw" "$WORK/datablock.qcow2"
mv "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/datablock.raw" "$WORK/datablock.qcow2" "$OUT/"
echo "$KVER" > "$OUT/kernel-version"
echo "$SELF_SUM" > "$STAMP"
echo "$OUT"
