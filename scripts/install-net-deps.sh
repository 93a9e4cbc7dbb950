#!/usr/bin/env bash
# The host packages of Nimbo's network drivers (nimbo-agent dev.nimbo.agent.net) and of their tests: nftables
# (security groups), tcpdump (tests look at tags on the wire), Open vSwitch (ovswitch drivers; the tests run its
# userspace datapath, no kernel module), FRRouting (BGP EVPN for vxlan in EVPN mode). Daemons are not enabled:
# the agent and the tests start what they need. Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PATH=$PATH:/usr/sbin:/sbin
need=()
for p in nftables tcpdump openvswitch-switch frr iproute2; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    # policy-rc.d: packages must not start their services (no systemd here; the agent starts what it uses)
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.nimbo
    had_policy=no
    [ -e /usr/sbin/policy-rc.d ] && had_policy=yes
    [ $had_policy = yes ] || cp /usr/sbin/policy-rc.d.nimbo /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -qq --no-install-recommends "${need[@]}"
    [ $had_policy = yes ] || rm -f /usr/sbin/policy-rc.d
    rm -f /usr/sbin/policy-rc.d.nimbo
fi
echo "network driver dependencies installed: nft $(nft --version | cut -d' ' -f2), ovs $(ovs-vsctl --version | head -1 | awk '{print $NF}')"
