#!/usr/bin/env bash
# Nimbo on a real KVM host, end to end, on this machine (needs root for libvirt and the test network):
# installs QEMU/libvirt if needed, builds Nimbo and the test appliance, starts nimbod and a nimbo-agent,
# enrols the host, registers the appliance (KERNEL, RAMDISK, DATABLOCK images), instantiates a VM, waits until
# the guest answers ping, terminates it and checks nothing is left (no domain, no files on the host).
# Exits 0 only when all of that really happened, else non-zero naming the failing step. Prints the
# instantiate-to-ping time last.
#   scripts/demo-kvm.sh [WORKDIR]     (default: a new directory under /tmp, removed at the end)
# NIMBO_DEMO_DOMAIN_TYPE=kvm uses hardware virtualization (default qemu: software emulation, works anywhere).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-}
KEEP=${WORK:+yes}
WORK=${WORK:-$(mktemp -d /tmp/nimbo-demo-kvm.XXXXXX)}
mkdir -p "$WORK"
chmod 755 "$WORK" # libvirt's QEMU user must reach the VM files under the agent's data directory
GUEST_IP=${NIMBO_DEMO_GUEST_IP:-10.213.0.60}
STEP="start"
NIMBOD_PID=""
AGENT_PID=""
VM=""

say() { printf '\n== %s\n' "$*"; }
fail() { echo "demo-kvm: FAILED at step: $STEP${1:+ ($1)}" >&2; exit 1; }
cleanup() {
    local rc=$?
    [[ -n $VM ]] && virsh -c qemu:///system destroy "one-$VM" >/dev/null 2>&1 || true
    [[ -n $AGENT_PID ]] && kill "$AGENT_PID" 2>/dev/null || true
    [[ -n $NIMBOD_PID ]] && kill "$NIMBOD_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    if [[ $rc -ne 0 ]]; then
        echo "demo-kvm: logs in $WORK (nimbod.out, agent.out)" >&2
    elif [[ -z $KEEP ]]; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'fail "exit $?"' ERR

# wait_for SECONDS COMMAND...: until the command succeeds
wait_for() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        [[ $(date +%s) -lt $deadline ]] || return 1
        sleep 0.2
    done
}

STEP="install QEMU/libvirt"; say "$STEP"
"$ROOT/scripts/install-kvm-deps.sh"
STEP="build Nimbo"; say "$STEP"
(cd "$ROOT" && ./mvnw -q -B -ntp install -DskipTests)
STEP="build the test appliance"; say "$STEP"
APPLIANCE=$("$ROOT/scripts/build-test-appliance.sh")
echo "appliance in $APPLIANCE"
STEP="test network"; say "$STEP"
read -r BRIDGE NETNS NETNS_IP PREFIX < <("$ROOT/scripts/kvm-test-net.sh" up)
echo "bridge $BRIDGE, namespace $NETNS ($NETNS_IP/$PREFIX)"

STEP="start nimbod"; say "$STEP"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
AGENT_PORT=$(free_port)
"$ROOT/bin/nimbod" --data "$WORK/front" --port "$PORT" --agent-port "$AGENT_PORT" > "$WORK/nimbod.out" 2>&1 &
NIMBOD_PID=$!
wait_for 60 test -s "$WORK/front/one_auth" || fail "nimbod did not start"
export ONE_XMLRPC="http://127.0.0.1:$PORT/RPC2" ONE_AUTH="$WORK/front/one_auth"
nimbo() { "$ROOT/bin/nimbo" "$@"; }
# has TEXT COMMAND...: the command's output contains TEXT (no grep -q in a pipe: SIGPIPE under pipefail)
has() { local text=$1 out; shift; out=$("$@") || return 1; [[ $out == *"$text"* ]]; }
wait_for 30 nimbo host list || fail "nimbod does not answer"

STEP="create the host and its enrolment token"; say "$STEP"
CREATED=$(nimbo host create demo-kvm --im kvm --vm kvm --token)
HOST=$(awk '/^ID:/ {print $2}' <<< "$CREATED")
TOKEN=$(awk '/^TOKEN:/ {print $2}' <<< "$CREATED")
[[ -n $HOST && -n $TOKEN ]] || fail "no host ID or token in: $CREATED"
echo "host $HOST, token ${TOKEN:0:24}..."

STEP="start nimbo-agent and wait for the host to be MONITORED"; say "$STEP"
"$ROOT/bin/nimbo-agent" --frontend "127.0.0.1:$AGENT_PORT" --token "$TOKEN" --data "$WORK/agent" \
    --domain-type "${NIMBO_DEMO_DOMAIN_TYPE:-qemu}" --shutdown-timeout 20 > "$WORK/agent.out" 2>&1 &
AGENT_PID=$!
host_monitored() { has '<STATE>2</STATE>' nimbo host show "$HOST" -x; }
wait_for 60 host_monitored || fail "host not MONITORED: $(nimbo host show "$HOST" | head -8)"
nimbo host show "$HOST" | head -20

STEP="register the appliance images"; say "$STEP"
nimbo datastore create --name demo-files --type FILE_DS --ds-mad fs --tm-mad shared --safe-dirs "$APPLIANCE" >/dev/null
nimbo datastore create --name demo-images --ds-mad fs --tm-mad shared --safe-dirs "$APPLIANCE" >/dev/null
KERNEL=$(nimbo image create -d demo-files --name demo-kernel --type KERNEL --path "$APPLIANCE/vmlinuz" | awk '{print $2}')
INITRD=$(nimbo image create -d demo-files --name demo-initrd --type RAMDISK --path "$APPLIANCE/initrd.img" | awk '{print $2}')
DATA=$(nimbo image create -d demo-images --name demo-data --type DATABLOCK --path "$APPLIANCE/datablock.raw" | awk '{print $2}')
image_ready() { has '<STATE>1</STATE>' nimbo image show "$1" -x; }
for i in "$KERNEL" "$INITRD" "$DATA"; do wait_for 60 image_ready "$i" || fail "image $i not READY"; done
echo "images: kernel $KERNEL, initrd $INITRD, datablock $DATA"

STEP="network and template"; say "$STEP"
nimbo vnet create demo-net --vn-mad dummy --bridge "$BRIDGE" --ar "ip4:$GUEST_IP:2" >/dev/null
cat > "$WORK/guest.tmpl" <<EOF
NAME = demo-guest
CPU = 0.5
VCPU = 1
MEMORY = 160
OS = [ KERNEL_DS = "\$FILE[IMAGE_ID=$KERNEL]", INITRD_DS = "\$FILE[IMAGE_ID=$INITRD]", KERNEL_CMD = "console=ttyS0 quiet" ]
DISK = [ IMAGE_ID = $DATA ]
NIC = [ NETWORK = demo-net ]
GRAPHICS = [ TYPE = VNC, LISTEN = 127.0.0.1 ]
CONTEXT = [ NETWORK = YES, SET_HOSTNAME = demo-guest, SSH_PUBLIC_KEY = "ssh-ed25519 AAAAdemo demo" ]
EOF
nimbo template create -f "$WORK/guest.tmpl" >/dev/null

STEP="instantiate and wait for the guest to answer ping"; say "$STEP"
T0=$(date +%s%N)
VM=$(nimbo template instantiate demo-guest --name demo-vm | awk '{print $2}')
[[ -n $VM ]] || fail "no VM ID"
sleep 1
if has '<STATE>1</STATE>' nimbo vm show "$VM" -x; then
    nimbo vm deploy "$VM" "$HOST" # no scheduler placed it: place it by hand
fi
vm_running() { has '<LCM_STATE>3</LCM_STATE>' nimbo vm show "$VM" -x; }
wait_for 120 vm_running || fail "VM $VM not RUNNING: $(nimbo vm show "$VM" | head -5)"
"$ROOT/scripts/kvm-test-net.sh" ping "$GUEST_IP" 90 || fail "guest $GUEST_IP does not answer ping"
T1=$(date +%s%N)
CONSOLE="$WORK/agent/datastores/0/$VM/console.log"
grep -q "ready hostname=demo-guest" "$CONSOLE" || fail "the guest's console does not show its context"
grep "nimbo-appliance" "$CONSOLE" | sed 's/^/  guest: /'

STEP="terminate and check nothing is left"; say "$STEP"
nimbo vm terminate --hard "$VM"
vm_done() { has '<STATE>6</STATE>' nimbo vm show "$VM" -x; }
wait_for 60 vm_done || fail "VM $VM not DONE"
if virsh -c qemu:///system domstate "one-$VM" >/dev/null 2>&1; then fail "domain one-$VM still exists"; fi
[[ ! -e $WORK/agent/datastores/0/$VM ]] || fail "files of VM $VM left on the host"
VM=""

STEP="stop"
say "all steps passed"
echo "instantiate-to-ping: $(( (T1 - T0) / 1000000 )) ms"
