package dev.nimbo.core.vnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NetworkDefinitionTest {

    static VirtualNetwork build(String text, int id, Set<Integer> clusters) {
        VirtualNetwork.Builder b = NetworkDefinition.parse(Template.parse(text)).builder(id);
        b.clusters = clusters;
        return b.build();
    }

    @Test
    void bridgeNamesFollowOpenNebula() {
        assertThat(build("NAME = a\nVN_MAD = bridge", 7, Set.of(0)).bridge()).isEqualTo("onebr7");
        assertThat(build("NAME = a\nVN_MAD = 802.1Q\nPHYDEV = eth0\nVLAN_ID = 0050", 7, Set.of(0)).bridge())
                .isEqualTo("onebr.50");
        assertThat(build("NAME = a\nVN_MAD = 802.1Q\nPHYDEV = eth0\nAUTOMATIC_VLAN_ID = YES", 7, Set.of(0)).bridge())
                .isEqualTo("onebr7");
        VirtualNetwork vn = build("NAME = a\nVN_MAD = ovswitch\nBRIDGE = br-int\nSECURITY_GROUPS = \"5, 2\"", 7, Set.of(0));
        assertThat(vn.bridge()).isEqualTo("br-int");
        assertThat(vn.bridgeType()).isEqualTo("openvswitch");
        assertThat(vn.template().get("SECURITY_GROUPS")).isEqualTo("0,2,5");
        assertThat(vn.template().get("VN_MAD")).isEqualTo("ovswitch");
        assertThat(vn.template().get("BRIDGE")).isEqualTo("br-int");
    }

    @Test
    void wrongDefinitionsAreRefused() {
        assertThatThrownBy(() -> build("VN_MAD = bridge", 1, Set.of(0))).hasMessage("No NAME in template for Virtual Network.");
        assertThatThrownBy(() -> build("NAME = a", 1, Set.of(0))).hasMessage("No VN_MAD in template for Virtual Network.");
        assertThatThrownBy(() -> build("NAME = a\nVN_MAD = carrier-pigeon", 1, Set.of(0)))
                .hasMessageStartingWith("VN_MAD named \"carrier-pigeon\" is not defined");
        assertThatThrownBy(() -> build("NAME = a\nVN_MAD = 802.1Q\nVLAN_ID = 5", 1, Set.of(0)))
                .hasMessage("PHYDEV is mandatory for driver 802.1Q");
        assertThatThrownBy(() -> build("NAME = a\nVN_MAD = vxlan\nPHYDEV = eth0", 1, Set.of(0)))
                .hasMessage("VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory for driver vxlan");
        assertThatThrownBy(() -> build("NAME = a\nVN_MAD = dummy", 1, Set.of(0))).hasMessage("BRIDGE is mandatory for driver dummy");
        assertThatThrownBy(() -> build("NAME = a\nVN_MAD = 802.1Q\nPHYDEV = eth0\nVLAN_ID = 5000", 1, Set.of(0)))
                .hasMessage("VLAN_ID must be between 0 and 4095, got 5000");
        assertThatThrownBy(() -> build("NAME = a\nVN_MAD = ovswitch\nBRIDGE_TYPE = linux", 1, Set.of(0)))
                .hasMessageContaining("BRIDGE_TYPE has wrong value");
        assertThatThrownBy(() -> build("NAME = \"a/b\"\nVN_MAD = bridge", 1, Set.of(0))).hasMessageContaining("Invalid NAME");
    }

    @Test
    void automaticVlansAreUniquePerClusterAndPhydev() {
        List<VirtualNetwork> pool = new ArrayList<>();
        String auto = "NAME = n\nVN_MAD = 802.1Q\nPHYDEV = eth0\nAUTOMATIC_VLAN_ID = YES";
        for (int id = 0; id < 30; id++) {
            pool.add(VlanIds.assign(build(auto, id, Set.of(0)), pool, VlanIds.Config.DEFAULT));
        }
        assertThat(pool.stream().map(VirtualNetwork::vlanId).distinct()).hasSize(30);
        assertThat(pool.get(0).vlanId()).isEqualTo("2");
        assertThat(pool.get(5).vlanId()).isEqualTo("7");
        // a network elsewhere may reuse an ID; one on another PHYDEV too
        VirtualNetwork other = VlanIds.assign(build("NAME = n\nVN_MAD = 802.1Q\nPHYDEV = eth0\nVLAN_ID = 2", 40, Set.of(100)),
                pool, VlanIds.Config.DEFAULT);
        assertThat(other.vlanId()).isEqualTo("2");
        VlanIds.assign(build("NAME = n\nVN_MAD = 802.1Q\nPHYDEV = eth1\nVLAN_ID = 2", 41, Set.of(0)), pool, VlanIds.Config.DEFAULT);
        assertThatThrownBy(() -> VlanIds.assign(build("NAME = n\nVN_MAD = ovswitch\nPHYDEV = eth0\nVLAN_ID = 3", 42,
                Set.of(0, 100)), pool, VlanIds.Config.DEFAULT))
                .hasMessage("VLAN_ID 3 is already used by virtual network 1 (n) on PHYDEV \"eth0\" in cluster 0");
        // an automatic ID skips one used manually; the hint for ID 43 is 45, taken below
        pool.add(VlanIds.assign(build("NAME = m\nVN_MAD = 802.1Q\nPHYDEV = eth0\nVLAN_ID = 45", 50, Set.of(0)), pool,
                VlanIds.Config.DEFAULT));
        VirtualNetwork skip = VlanIds.assign(build(auto, 43, Set.of(0)), pool, VlanIds.Config.DEFAULT);
        assertThat(skip.vlanId()).isEqualTo("32");
        assertThat(skip.vlanIdAutomatic()).isTrue();
    }

    @Test
    void vxlanIdsStartAtStartPlusId() {
        VirtualNetwork vx = VlanIds.assign(build("NAME = v\nVN_MAD = vxlan\nPHYDEV = eth0\nAUTOMATIC_VLAN_ID = YES", 10,
                Set.of(0)), List.of(), VlanIds.Config.DEFAULT);
        assertThat(vx.vlanId()).isEqualTo("12");
        VirtualNetwork ovx = VlanIds.assign(build("NAME = w\nVN_MAD = ovswitch_vxlan\nAUTOMATIC_VLAN_ID = YES\n"
                + "AUTOMATIC_OUTER_VLAN_ID = YES", 11, Set.of(0)), List.of(vx), VlanIds.Config.DEFAULT);
        assertThat(ovx.outerVlanId()).isEqualTo("13");
        assertThat(ovx.vlanId()).isEqualTo(Integer.toString(2 + 11 % 4093));
    }

    @Test
    void exhaustionIsAnError() {
        VlanIds.Config tiny = new VlanIds.Config(4094, Set.of(0, 1, 4095), 2);
        VirtualNetwork one = VlanIds.assign(build("NAME = a\nVN_MAD = 802.1Q\nPHYDEV = e\nAUTOMATIC_VLAN_ID = YES", 1,
                Set.of(0)), List.of(), tiny);
        assertThat(one.vlanId()).isEqualTo("4094");
        assertThatThrownBy(() -> VlanIds.assign(build("NAME = b\nVN_MAD = 802.1Q\nPHYDEV = e\nAUTOMATIC_VLAN_ID = YES", 2,
                Set.of(0)), List.of(one), tiny)).hasMessage("Cannot automatically assign VLAN_ID to network.");
        assertThat(VlanIds.Config.parseReserved("0, 1, 10:12, 4095")).containsExactly(0, 1, 10, 11, 12, 4095);
    }

    @Test
    void updateFollowsPostUpdateRules() {
        VirtualNetwork vn = build("NAME = a\nVN_MAD = 802.1Q\nPHYDEV = eth0\nVLAN_ID = 10", 3, Set.of(0));
        VirtualNetwork u = NetworkDefinition.update(vn, vn.template().update(Template.parse("VLAN_ID = 11\nMTU = 9000"), true));
        assertThat(u.vlanId()).isEqualTo("11");
        assertThat(u.bridge()).isEqualTo("onebr.10");
        assertThat(u.template().get("MTU")).isEqualTo("9000");
        assertThatThrownBy(() -> NetworkDefinition.update(vn, Template.parse("MTU = 1"))).hasMessage("No VN_MAD in template for Virtual Network.");
        assertThatThrownBy(() -> NetworkDefinition.update(vn, Template.parse("VN_MAD = 802.1Q\nPHYDEV = eth0")))
                .hasMessageContaining("VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory");
        VirtualNetwork ovs = NetworkDefinition.update(vn, Template.parse("VN_MAD = ovswitch\nVLAN_ID = 10\nBRIDGE_TYPE = linux"));
        assertThat(ovs.bridgeType()).isEqualTo("openvswitch");
    }
}
