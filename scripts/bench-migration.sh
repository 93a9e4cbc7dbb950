#!/usr/bin/env bash
# Migration figures between two real KVM hosts of this machine (scripts/kvm-second-host.sh): runs KvmMigrationTest
# RUNS times (default 3) and prints, per run, the cold migration's total time (save, files streamed host to host,
# restore) and the live migration's total time and longest ping gap (the guest pinged every 100 ms from the test
# namespace). Root; installs QEMU and libvirt when missing, like the kvm tests.
#   scripts/bench-migration.sh [RUNS]
set -euo pipefail
NIMBO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$NIMBO_ROOT"
. bin/lib/common.sh
nimbo_find_java
runs=${1:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for i in $(seq 1 "$runs"); do
    if ! ./mvnw -B -ntp -q test -pl nimbo-server -am -Dtest=KvmMigrationTest -Dsurefire.failIfNoSpecifiedTests=false \
        >"$out" 2>&1; then
        tail -40 "$out" >&2
        echo "bench-migration: run $i failed" >&2
        exit 1
    fi
    report=nimbo-server/target/surefire-reports/dev.nimbo.server.agent.KvmMigrationTest-output.txt
    echo "run $i (load $(cut -d' ' -f1 /proc/loadavg)): $(grep -h 'KVM migration' "$report" | sed 's/^KVM migration: //' | paste -sd ';' -)"
done
