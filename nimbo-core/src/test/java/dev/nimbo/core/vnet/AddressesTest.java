package dev.nimbo.core.vnet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.vnet.Addresses.Ip6;
import org.junit.jupiter.api.Test;

class AddressesTest {

    @Test
    void macsParseAndPrintAsOpenNebula() {
        assertThat(Addresses.parseMac("02:00:0A:00:00:01")).isEqualTo(0x02000A000001L);
        assertThat(Addresses.parseMac("2:0:a:0:0:1")).isEqualTo(0x02000A000001L);
        assertThat(Addresses.formatMac(0x02000A000001L)).isEqualTo("02:00:0a:00:00:01");
        assertThat(Addresses.parseMac("ff:ff:ff:ff:ff:ff")).isEqualTo(-1);
        assertThat(Addresses.parseMac("02:00:0a:00:00")).isEqualTo(-1);
        assertThat(Addresses.parseMac("02:00:0a:00:00:1g")).isEqualTo(-1);
        assertThat(Addresses.parseMac("02:00:0a:00:00:100")).isEqualTo(-1);
        assertThat(Addresses.parseMac("02-00-0a-00-00-01")).isEqualTo(-1);
        assertThat(Addresses.isMulticastMac(Addresses.parseMac("01:00:5e:00:00:01"))).isTrue();
        assertThat(Addresses.isMulticastMac(Addresses.parseMac("02:00:5e:00:00:01"))).isFalse();
        assertThat(Addresses.parseMacPrefix("02:00")).isEqualTo(0x0200);
    }

    @Test
    void ipv4() {
        assertThat(Addresses.parseIp4("10.0.0.1")).isEqualTo(0x0A000001L);
        assertThat(Addresses.parseIp4("255.255.255.255")).isEqualTo(0xFFFFFFFFL);
        assertThat(Addresses.formatIp4(0xC0A80001L)).isEqualTo("192.168.0.1");
        for (String bad : new String[] {"10.0.0", "10.0.0.256", "10.0.0.1.2", "a.b.c.d", "", "10..0.1", " ", "1.2.3.-4"}) {
            assertThat(Addresses.parseIp4(bad)).as(bad).isEqualTo(-1);
        }
    }

    @Test
    void ipv6ParsesLikeInetPtonAndPrintsLikeInetNtop() {
        assertThat(Addresses.parseIp6("2001:db8::1")).isEqualTo(new Ip6(0x20010DB800000000L, 1));
        assertThat(Addresses.parseIp6("::")).isEqualTo(new Ip6(0, 0));
        assertThat(Addresses.parseIp6("::ffff:10.0.0.1")).isEqualTo(new Ip6(0, 0x0000FFFF0A000001L));
        assertThat(Addresses.parseIp6("1:2:3:4:5:6:7:8")).isEqualTo(new Ip6(0x0001000200030004L, 0x0005000600070008L));
        for (String bad : new String[] {":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "g::", "1:", ":1"}) {
            assertThat(Addresses.parseIp6(bad)).as(bad).isNull();
        }
        assertThat(Addresses.formatIp6(0x20010DB800000000L, 1)).isEqualTo("2001:db8::1");
        assertThat(Addresses.formatIp6(0, 0)).isEqualTo("::");
        assertThat(Addresses.formatIp6(0x20010DB800000000L, 0)).isEqualTo("2001:db8::");
        assertThat(Addresses.formatIp6(0x2001000000000001L, 0x0000000000000001L)).isEqualTo("2001:0:0:1::1");
        assertThat(Addresses.formatIp6(0x0001000000010000L, 0x0001000000000001L)).isEqualTo("1:0:1:0:1::1");
        assertThat(Addresses.formatIp6(0, 0x0000FFFF0A000001L)).isEqualTo("::ffff:10.0.0.1");
        assertThat(Addresses.formatIp6(0x0001000200030004L, 0x0005000600070008L)).isEqualTo("1:2:3:4:5:6:7:8");
    }

    @Test
    void slaacUsesTheModifiedEui64OfTheMac() {
        long mac = Addresses.parseMac("02:00:c0:a8:00:01");
        assertThat(Addresses.slaac(Addresses.parsePrefix64("2001:a::"), mac).toString()).isEqualTo("2001:a::c0ff:fea8:1");
        assertThat(Addresses.slaac(Addresses.LINK_LOCAL_PREFIX, mac).toString()).isEqualTo("fe80::c0ff:fea8:1");
        // a globally administered MAC gets the U/L bit set
        assertThat(Addresses.slaac(Addresses.LINK_LOCAL_PREFIX, Addresses.parseMac("00:1b:21:3a:4c:5d")).toString())
                .isEqualTo("fe80::21b:21ff:fe3a:4c5d");
    }
}
