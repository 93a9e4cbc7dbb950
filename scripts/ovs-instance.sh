#!/usr/bin/env bash
# An Open vSwitch instance of its own (database, ovsdb-server, ovs-vswitchd) in RUNDIR, optionally inside a network
# namespace: how tests and the demo give each emulated host its own switch, and how a host without systemd starts
# OVS for the agent (RUNDIR /var/run/openvswitch). Bridges of type netdev (userspace datapath) need no kernel module.
#   scripts/ovs-instance.sh start RUNDIR [NETNS]   # idempotent
#   scripts/ovs-instance.sh stop RUNDIR
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
cmd=${1:?usage: ovs-instance.sh start|stop RUNDIR [NETNS]}
run=${2:?usage: ovs-instance.sh start|stop RUNDIR [NETNS]}
in=()
[ -n "${3:-}" ] && in=(ip netns exec "$3")
alive() { [ -f "$run/$1.pid" ] && running "$(cat "$run/$1.pid")"; }
# (an exited daemon may stay a zombie where nothing reaps orphans: that is not running)
running() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]; }
case $cmd in
start)
    mkdir -p "$run"
    [ -f "$run/conf.db" ] || ovsdb-tool create "$run/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    alive ovsdb-server || "${in[@]}" ovsdb-server "$run/conf.db" --remote="punix:$run/db.sock" \
        --pidfile="$run/ovsdb-server.pid" --unixctl="$run/ovsdb-server.ctl" --log-file="$run/ovsdb-server.log" -vconsole:off --detach
    ovs-vsctl --db="unix:$run/db.sock" --no-wait init
    alive ovs-vswitchd || OVS_RUNDIR="$run" "${in[@]}" ovs-vswitchd "unix:$run/db.sock" \
        --pidfile="$run/ovs-vswitchd.pid" --unixctl="$run/ovs-vswitchd.ctl" --log-file="$run/ovs-vswitchd.log" -vconsole:off --detach
    ovs-vsctl --db="unix:$run/db.sock" --timeout=20 show >/dev/null
    ;;
stop)
    for d in ovs-vswitchd ovsdb-server; do
        if alive $d; then
            pid=$(cat "$run/$d.pid")
            ovs-appctl -t "$run/$d.ctl" exit >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
            for _ in $(seq 10); do running "$pid" || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true # its database is deleted below: nothing to flush
        fi
    done
    rm -rf "$run"
    ;;
*)
    echo "usage: $0 start|stop RUNDIR [NETNS]" >&2
    exit 2
    ;;
esac
