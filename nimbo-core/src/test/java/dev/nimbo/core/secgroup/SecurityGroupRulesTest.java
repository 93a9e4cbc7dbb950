package dev.nimbo.core.secgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlNode;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SecurityGroupRulesTest {

    static VectorAttribute rule(String body) {
        return Template.parse("RULE = [ " + body + " ]").vectors("RULE").get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROTOCOL = TCP, RULE_TYPE = INBOUND",
        "PROTOCOL = tcp, RULE_TYPE = outbound, RANGE = \"22\"",
        "PROTOCOL = UDP, RULE_TYPE = INBOUND, RANGE = \"1:65535\"",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\"",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"1:2,3:4,5:6,7:8,9:10,11:12,13\"",
        "PROTOCOL = ICMP, RULE_TYPE = INBOUND, ICMP_TYPE = 8",
        "PROTOCOL = ICMPV6, RULE_TYPE = INBOUND, ICMPV6_TYPE = 128",
        "PROTOCOL = IPSEC, RULE_TYPE = INBOUND",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, IP = \"192.168.0.0\", SIZE = 256",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, IP = \"fe80::1\", SIZE = 16",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, IP = \"::ffff:10.0.0.1\", SIZE = 1",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, NETWORK_ID = 4",
    })
    void validRules(String body) {
        assertThat(SecurityGroupRules.problem(rule(body))).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "RULE_TYPE = INBOUND | Wrong PROTOCOL in rule. Valid options: TCP, UDP, ICMP, ICMPV6, IPSEC, ALL.",
        "PROTOCOL = GRE, RULE_TYPE = INBOUND | Wrong PROTOCOL in rule. Valid options: TCP, UDP, ICMP, ICMPV6, IPSEC, ALL.",
        "PROTOCOL = TCP | Wrong RULE_TYPE in rule. Valid options: INBOUND, OUTBOUND.",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, RANGE = 22 | RANGE is supported only for TCP and UDP protocols.",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"22,\" | Invalid RANGE specification.",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"a\" | Invalid RANGE specification.",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"65536\" | RANGE out of bounds 0-65536.",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"1:99999999999999\" | RANGE out of bounds 0-65536.",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"9:8\" | RANGE BEGIN value is greater than RANGE END value",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\" | Not more than 15 ports can be specified in a RULE",
        "PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = \"1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16\" | Not more than 15 ports can be specified in a RULE",
        "PROTOCOL = UDP, RULE_TYPE = INBOUND, ICMP_TYPE = 1 | ICMP_TYPE is supported only for ICMP protocol.",
        "PROTOCOL = ICMP, RULE_TYPE = INBOUND, ICMP_TYPE = x | Wrong ICMP_TYPE, it must be integer",
        "PROTOCOL = ICMP, RULE_TYPE = INBOUND, ICMPV6_TYPE = 1 | ICMPV6_TYPE is supported only for ICMPV6 protocol.",
        "PROTOCOL = ICMPV6, RULE_TYPE = INBOUND, ICMPV6_TYPE = -1 | Wrong ICMPV6_TYPE, it must be integer",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, IP = \"10.0.0.1\" | Wrong or empty SIZE.",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, IP = \"10.0.0.1\", SIZE = big | Wrong or empty SIZE.",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, IP = \"10.0.0\", SIZE = 1 | Wrong format for IP value.",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, IP = \"host.example.org\", SIZE = 1 | Wrong format for IP value.",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, IP = \"1::2::3\", SIZE = 1 | Wrong format for IP value.",
        "PROTOCOL = ALL, RULE_TYPE = INBOUND, NETWORK_ID = \"net\" | Wrong NETWORK_ID.",
    })
    void invalidRulesGetOpenNebulasMessages(String body, String message) {
        assertThat(SecurityGroupRules.problem(rule(body))).isEqualTo(message);
    }

    @Test
    void aPlainRuleAttributeIsRefused() {
        assertThat(SecurityGroupRules.problem(Template.parse("RULE = tcp"))).startsWith("RULE must be a vector");
        assertThat(SecurityGroupRules.problem(Template.parse("DESCRIPTION = x"))).isNull();
    }

    @Test
    void ipLiterals() {
        assertThat(IpAddresses.isIpv4("0.0.0.0")).isTrue();
        assertThat(IpAddresses.isIpv4("255.255.255.255")).isTrue();
        assertThat(IpAddresses.isIpv4("01.2.3.4")).isFalse();
        assertThat(IpAddresses.isIpv4("1.2.3.4.5")).isFalse();
        assertThat(IpAddresses.isIpv6("::")).isTrue();
        assertThat(IpAddresses.isIpv6("1:2:3:4:5:6:7:8")).isTrue();
        assertThat(IpAddresses.isIpv6("1:2:3:4:5:6:7:8:9")).isFalse();
        assertThat(IpAddresses.isIpv6("1:2:3:4:5:6:7::")).isTrue();
        assertThat(IpAddresses.isIpv6("1:2:3:4:5:6:1.2.3.4")).isTrue();
        assertThat(IpAddresses.isIpv6("12345::")).isFalse();
        assertThat(IpAddresses.isIpv6(":1")).isFalse();
        assertThat(IpAddresses.isIpv6("fe80::1%eth0")).isFalse();
    }

    @Test
    void duplicatesAreDroppedKeepingTheFirst() {
        Template t = Template.parse("""
                RULE = [ PROTOCOL = TCP, RULE_TYPE = INBOUND ]
                DESCRIPTION = d
                RULE = [ RULE_TYPE = INBOUND, PROTOCOL = TCP ]
                RULE = [ PROTOCOL = UDP, RULE_TYPE = INBOUND ]
                """);
        Template out = SecurityGroupRules.withoutDuplicates(t);
        assertThat(out.vectors("RULE")).extracting(v -> v.get("PROTOCOL")).containsExactly("TCP", "UDP");
        assertThat(out.get("DESCRIPTION")).isEqualTo("d");
        assertThat(SecurityGroupRules.withoutDuplicates(out)).isSameAs(out);
    }

    @Test
    void commitMovesVmsToOutdated() {
        SecurityGroup sg = new SecurityGroup(100, "g", 0, 0, "oneadmin", "oneadmin", new Permissions(0600),
                Set.of(1, 2), Set.of(3), Set.of(4), Set.of(5), Template.EMPTY);
        SecurityGroup all = sg.commit(false);
        assertThat(all.updatedVms()).isEmpty();
        assertThat(all.outdatedVms()).containsExactly(1, 2, 3, 4, 5);
        assertThat(all.updatingVms()).isEmpty();
        assertThat(all.errorVms()).isEmpty();
        SecurityGroup recovered = sg.commit(true);
        assertThat(recovered.updatedVms()).containsExactly(1, 2);
        assertThat(recovered.outdatedVms()).containsExactly(3, 4, 5);
        assertThat(sg.vmCount()).isEqualTo(5);
    }

    @Test
    void xmlFollowsTheXsdAndRoundTrips() {
        SecurityGroup sg = SecurityGroup.defaultGroup("oneadmin");
        String xml = sg.toXml();
        assertThat(xml).startsWith("<SECURITY_GROUP><ID>0</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
                + "<GNAME>oneadmin</GNAME><NAME>default</NAME><PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M>"
                + "<OWNER_A>1</OWNER_A><GROUP_U>1</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>1</OTHER_U>"
                + "<OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS><UPDATED_VMS></UPDATED_VMS>"
                + "<OUTDATED_VMS></OUTDATED_VMS><UPDATING_VMS></UPDATING_VMS><ERROR_VMS></ERROR_VMS><TEMPLATE>");
        assertThat(SecurityGroup.fromXml(XmlNode.parse(xml))).isEqualTo(sg);
        assertThat(SecurityGroupRules.problem(sg.template())).isNull();
    }
}
