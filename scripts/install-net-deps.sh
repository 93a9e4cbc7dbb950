#!/usr/bin/env bash
# The host packages of Nimbo's network drivers (nimbo-agent dev.nimbo.agent.net) and of their tests: nftables
# (security groups), Open vSwitch (ovswitch drivers; the tests run its userspace datapath, no kernel module),
# FRRouting (BGP EVPN for vxlan in EVPN mode), and tcpdump, python3, netcat, ethtool, busybox-static (the tests look at
# tags on the wire, send raw frames and probe ports; busybox-static as install-kvm-deps.sh wants it: the plain
# busybox package would replace the static one the test appliance is built from). Services are not started: the agent and the tests start what they
# need (scripts/ovs-instance.sh, scripts/frr-instance.sh). Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PATH=$PATH:/usr/sbin:/sbin
need=()
for p in nftables tcpdump openvswitch-switch frr iproute2 python3 netcat-openbsd busybox-static ethtool; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    # packages must not start their services (no systemd here; the agent and the tests start what they use):
    # a policy-rc.d refusing every start, unless the machine has its own
    own_policy=no
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        own_policy=yes
    fi
    apt-get install -y -qq --no-install-recommends "${need[@]}"
    [ $own_policy = no ] || rm -f /usr/sbin/policy-rc.d
fi
echo "network driver dependencies installed: nft $(nft --version | cut -d' ' -f2), ovs $(ovs-vsctl --version | head -1 | awk '{print $NF}')"
