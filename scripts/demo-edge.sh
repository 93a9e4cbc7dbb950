#!/usr/bin/env bash
# Nimbo at the edge, end to end, on this machine (needs root for libvirt and the test network): a nimbod, two
# emulated edge sites (each a nimbo-agent reaching the front-end only through its own emulated WAN link: 200 ms
# RTT, 100 Mbit/s, jitter — nimbo-testing's WanRelay, as this kernel has no netem), a real QEMU guest in each site
# on the test bridge (scripts/kvm-test-net.sh). Cuts site 1's link for 60 s and restores it while both guests are
# pinged every second from inside their site. Exits 0 only when: no ping was missed, the cut host went to ERROR
# with its VM left RUNNING, a VM action on it was refused as "host unreachable", and after the link returned the
# host is MONITORED and the VM RUNNING and monitored again. Prints the reconcile time last.
#   scripts/demo-edge.sh [--cut-seconds N] [--rtt-ms N]
# Live migration between the sites is a hook: NIMBO_DEMO_LIVE_MIGRATION=1 adds a live migration of guest 2 to
# site 1 with the longest ping gap (needs one.vm.migrate live between kvm hosts in this build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NIMBO_ROOT=$ROOT
. "$ROOT/bin/lib/common.sh"
nimbo_find_java
nimbo_ensure_built nimbo-bench
args=("$@")
if [[ ${NIMBO_DEMO_LIVE_MIGRATION:-0} == 1 ]]; then
    args+=(--live-migration)
fi
cd "$ROOT"
exec "$JAVA" -cp "$(nimbo_classpath nimbo-bench)" dev.nimbo.bench.EdgeDemo "${args[@]}"
