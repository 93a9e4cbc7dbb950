#!/usr/bin/env bash
# Nimbo at the edge, end to end, on this machine (needs root for libvirt and the test network): a nimbod, two
# emulated edge sites (each a nimbo-agent reaching the front-end only through its own emulated WAN link: 200 ms
# RTT, 100 Mbit/s, jitter — nimbo-testing's WanRelay, as this kernel has no netem), a real QEMU guest in each site
# on the test bridge (scripts/kvm-test-net.sh). Cuts site 1's link for 60 s and restores it while both guests are
# pinged every second from inside their site. Exits 0 only when: no ping was missed, the cut host went to ERROR
# with its VM left RUNNING, a VM action on it was refused as "host unreachable", and after the link returned the
# host is MONITORED and the VM RUNNING and monitored again. Prints the reconcile time last.
#   scripts/demo-edge.sh [--cut-seconds N] [--rtt-ms N]
# Then live migration between two hosts: two more hypervisor hosts of this machine, each a libvirtd in its own
# mount and network namespaces (scripts/kvm-second-host.sh), a guest pinged every 100 ms while it is cold- and then
# live-migrated between them (KvmMigrationTest through scripts/bench-migration.sh); prints the longest ping gap.
# NIMBO_DEMO_LIVE_MIGRATION=0 skips that part.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NIMBO_ROOT=$ROOT
. "$ROOT/bin/lib/common.sh"
nimbo_find_java
nimbo_ensure_built nimbo-bench
cd "$ROOT"
"$JAVA" -cp "$(nimbo_classpath nimbo-bench)" dev.nimbo.bench.EdgeDemo "$@"
if [[ ${NIMBO_DEMO_LIVE_MIGRATION:-1} != 0 ]]; then
    echo "demo-edge: live migration between two hosts (separate libvirtd, mount and network namespaces)"
    line=$(bash "$ROOT/scripts/bench-migration.sh" 1)
    echo "$line"
    gap=$(grep -o 'gap [0-9.]* *m\?s' <<<"$line" | head -1 || true)
    [[ -n $gap ]] || { echo "demo-edge: the live migration reported no ping gap" >&2; exit 1; }
    echo "live migration: longest ping gap ${gap#gap }"
fi
