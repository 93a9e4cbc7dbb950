package dev.nimbo.agent.net;

/**
 * Where the host's Open vSwitch is and which datapath its bridges use.
 *
 * @param runDir       OVS's run directory (db.sock, BRIDGE.mgmt); null for the packaged default
 * @param datapathType "system" (kernel module) or "netdev" (userspace; also what DPDK bridges use); null: OVS's
 *                     default
 */
public record OvsSettings(String runDir, String datapathType) {
    public static OvsSettings defaults() {
        return new OvsSettings(null, null);
    }
}
