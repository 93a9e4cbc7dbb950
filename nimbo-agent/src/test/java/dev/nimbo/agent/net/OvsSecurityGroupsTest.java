package dev.nimbo.agent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import org.junit.jupiter.api.Test;

/** Security group rules as OpenFlow matches: port ranges as masks, address ranges as CIDR blocks, families. */
class OvsSecurityGroupsTest {
    static SecurityGroupRule rule(String attrs) {
        return SecurityGroupRule.of(Template.parse("SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, " + attrs + " ]")
                .vectors("SECURITY_GROUP_RULE").get(0));
    }

    @Test
    void portRangesBecomeTheFewestMaskedValues() {
        assertThat(OvsSecurityGroups.portMasks(22, 22)).containsExactly("22");
        assertThat(OvsSecurityGroups.portMasks(8000, 8001)).containsExactly("0x1f40/0xfffe");
        assertThat(OvsSecurityGroups.portMasks(1000, 1999)).hasSize(7).startsWith("0x3e8/0xfff8").endsWith("0x7c0/0xfff0");
        assertThat(OvsSecurityGroups.portMasks(0, 65535)).containsExactly("0x0/0x0");
        assertThatThrownBy(() -> OvsSecurityGroups.portMasks(9, 2)).hasMessageContaining("not valid");
    }

    @Test
    void addressRangesBecomeCidrBlocksInBothFamilies() {
        assertThat(AddressRanges.cidrs("10.0.0.0", 256)).containsExactly("10.0.0.0/24");
        assertThat(AddressRanges.cidrs("10.0.0.1", 3)).containsExactly("10.0.0.1/32", "10.0.0.2/31");
        assertThat(AddressRanges.cidrs("2001:db8::", 16)).containsExactly("2001:db8:0:0:0:0:0:0/124");
        assertThatThrownBy(() -> AddressRanges.cidrs("not-an-ip!", 1)).hasMessageContaining("not an address");
    }

    @Test
    void rulesMatchTheirFamilyDirectionAndProtocol() {
        assertThat(OvsSecurityGroups.matches(rule("PROTOCOL=TCP, RULE_TYPE=inbound, RANGE=\"22,80\"")))
                .containsExactly("ip,nw_proto=6,tp_dst=22", "ip,nw_proto=6,tp_dst=80", "ipv6,nw_proto=6,tp_dst=22",
                        "ipv6,nw_proto=6,tp_dst=80");
        assertThat(OvsSecurityGroups.matches(rule("PROTOCOL=ICMP, RULE_TYPE=outbound, ICMP_TYPE=8, IP=10.1.0.0,"
                + " SIZE=2")))
                .containsExactly("ip,nw_dst=10.1.0.0/31,nw_proto=1,icmp_type=8");
        assertThat(OvsSecurityGroups.matches(rule("PROTOCOL=ICMPV6, ICMPV6_TYPE=128, IP=\"fd00::1\"")))
                .containsExactly("ipv6,ipv6_src=fd00:0:0:0:0:0:0:1/128,nw_proto=58,icmp_type=128");
        assertThat(OvsSecurityGroups.matches(rule("PROTOCOL=ALL, NETWORK_ID=3"))).isEmpty();
        assertThatThrownBy(() -> rule("PROTOCOL=GRE")).hasMessageContaining("unknown PROTOCOL GRE");
        assertThatThrownBy(() -> rule("PROTOCOL=TCP, RANGE=\"80:22\"")).hasMessageContaining("port range 80:22");
        assertThatThrownBy(() -> rule("PROTOCOL=TCP, RANGE=\"http\"")).hasMessageContaining("port range http");
        assertThatThrownBy(() -> rule("PROTOCOL=ALL, IP=10.0.0.1, SIZE=lots")).hasMessageContaining("SIZE 'lots'");
    }
}
