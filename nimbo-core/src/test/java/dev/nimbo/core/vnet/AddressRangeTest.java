package dev.nimbo.core.vnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AddressRangeTest {
    static final Random RND = new Random(7);

    static VectorAttribute ar(String text) {
        return Template.parse("AR = [ " + text + " ]").vectors("AR").get(0);
    }

    static AddressRange create(String text) {
        return AddressRange.create(ar(text), 0, Addresses.DEFAULT_MAC_PREFIX, RND);
    }

    @Test
    void ip4RangeDerivesItsMacsFromTheIps() {
        AddressRange r = create("TYPE = ip4, IP = 10.0.0.10, SIZE = 50, GATEWAY = 10.0.0.1");
        assertThat(r.type()).isEqualTo(ArType.IP4);
        assertThat(r.attribute("MAC")).isEqualTo("02:00:0a:00:00:0a");
        assertThat(r.attribute("SHARED")).isEqualTo("NO");
        assertThat(r.attribute("GATEWAY")).isEqualTo("10.0.0.1");
        Lease l = r.leaseAt(5, LeaseOwner.vm(3));
        assertThat(l.ip()).isEqualTo("10.0.0.15");
        assertThat(l.mac()).isEqualTo("02:00:0a:00:00:0f");
        assertThat(r.indexOfIp(Addresses.parseIp4("10.0.0.59"))).isEqualTo(49);
        assertThat(r.indexOfIp(Addresses.parseIp4("10.0.0.60"))).isEqualTo(-1);
        assertThat(r.indexOfIp(Addresses.parseIp4("10.0.0.9"))).isEqualTo(-1);
        assertThat(r.indexOfMac(Addresses.parseMac("02:00:0a:00:00:0a"))).isZero();
    }

    @Test
    void ip6AndEtherRangesGetRandomMacsUnderThePrefix() {
        AddressRange r = create("TYPE = IP6, SIZE = 4, GLOBAL_PREFIX = \"2001:db8::\", ULA_PREFIX = \"fd00::\"");
        assertThat(r.attribute("MAC")).startsWith("02:00:");
        Lease l = r.leaseAt(1, null);
        assertThat(l.ip()).isNull();
        assertThat(l.ip6Global()).startsWith("2001:db8::");
        assertThat(l.ip6Ula()).startsWith("fd00::");
        assertThat(l.ip6Link()).startsWith("fe80::");
        AddressRange st = create("TYPE = IP6_STATIC, IP6 = \"2001:db8::10\", PREFIX_LENGTH = 120");
        assertThat(st.size()).isEqualTo(256 - 16);
        assertThat(st.leaseAt(2, null).ip6()).isEqualTo("2001:db8::12");
        AddressRange both = create("TYPE = IP4_6_STATIC, IP = 10.1.0.1, IP6 = \"fd00::1\", PREFIX_LENGTH = 64, SIZE = 3");
        assertThat(both.leaseAt(2, null).ip()).isEqualTo("10.1.0.3");
        assertThat(both.leaseAt(2, null).ip6()).isEqualTo("fd00::3");
        AddressRange ether = create("TYPE = ETHER, SIZE = 10, MAC = \"02:aa:00:00:00:00\"");
        assertThat(ether.leaseAt(9, null).mac()).isEqualTo("02:aa:00:00:00:09");
    }

    @Test
    void badDefinitionsAreRefusedWithOpenNebulasMessages() {
        assertThatThrownBy(() -> create("TYPE = IP5, SIZE = 1")).hasMessage("Unknown or missing address range TYPE.");
        assertThatThrownBy(() -> create("SIZE = 1")).hasMessage("Unknown or missing address range TYPE.");
        assertThatThrownBy(() -> create("TYPE = IP4, IP = 10.0.0.300, SIZE = 1")).hasMessage("Wrong or empty IP attribute");
        assertThatThrownBy(() -> create("TYPE = IP4, SIZE = 1")).hasMessage("Wrong or empty IP attribute");
        assertThatThrownBy(() -> create("TYPE = IP4, IP = 10.0.0.1, SIZE = 0")).hasMessageContaining("Wrong SIZE");
        assertThatThrownBy(() -> create("TYPE = IP4, IP = 10.0.0.1, SIZE = -4")).hasMessageContaining("Wrong SIZE");
        assertThatThrownBy(() -> create("TYPE = IP4, IP = 10.0.0.1, SIZE = many")).hasMessageContaining("Wrong SIZE");
        assertThatThrownBy(() -> create("TYPE = IP4, IP = 10.0.0.1")).hasMessageContaining("Wrong SIZE");
        assertThatThrownBy(() -> create("TYPE = IP4, IP = 255.255.255.250, SIZE = 10")).hasMessageContaining("IPv4 address space");
        assertThatThrownBy(() -> create("TYPE = ETHER, MAC = \"zz:00:00:00:00:00\", SIZE = 1"))
                .hasMessage("Wrong format for MAC attribute: zz:00:00:00:00:00");
        assertThatThrownBy(() -> create("TYPE = ETHER, MAC = \"01:00:5e:00:00:01\", SIZE = 1")).hasMessageContaining("multicast");
        assertThatThrownBy(() -> create("TYPE = ETHER, MAC = \"02:00:ff:ff:ff:f0\", SIZE = 100")).hasMessageContaining("MAC address space");
        assertThatThrownBy(() -> create("TYPE = IP6, GLOBAL_PREFIX = nope, SIZE = 1"))
                .hasMessage("Wrong format for IP6 global address prefix");
        assertThatThrownBy(() -> create("TYPE = IP6_STATIC, IP6 = \"fd00::1\", SIZE = 1")).hasMessage("Wrong or empty PREFIX_LENGTH");
        assertThatThrownBy(() -> create("TYPE = IP6_STATIC, PREFIX_LENGTH = 64, SIZE = 1")).hasMessage("Wrong or empty IP6 attribute");
        assertThatThrownBy(() -> create("TYPE = IP4, IP = 10.0.0.1, SIZE = 2, SHARED = YES")).hasMessageContaining("Shared");
    }

    @Test
    void generatedAttributesAreNotStoredFromInput() {
        AddressRange r = create("TYPE = IP4, IP = 10.0.0.1, SIZE = 2, USED_LEASES = 9, MAC_END = x, ALLOCATED = \" 0 1\","
                + " PARENT_NETWORK_AR_ID = 3, NEXT_INDEX = 1");
        assertThat(r.used()).isZero();
        assertThat(r.isReservation()).isFalse();
        assertThat(r.attributes()).doesNotContainKeys("USED_LEASES", "MAC_END", "ALLOCATED", "PARENT_NETWORK_AR_ID");
        assertThat(r.nextIndex()).isZero();
    }

    @Test
    void nextFitWrapsAndBlocksStayInside() {
        AddressRange r = create("TYPE = IP4, IP = 10.0.0.1, SIZE = 6");
        LeaseOwner vm = LeaseOwner.vm(1);
        r = r.take(0, vm, true).take(1, vm, true).take(4, vm, false);
        assertThat(r.nextIndex()).isEqualTo(2);
        assertThat(r.firstFree()).isEqualTo(2);
        r = r.take(2, vm, true).take(3, vm, true);
        assertThat(r.firstFree()).isEqualTo(5);
        r = r.release(1, vm);
        assertThat(r.firstFree()).isEqualTo(5);
        r = r.take(5, vm, true);
        assertThat(r.nextIndex()).isZero();
        assertThat(r.firstFree()).isEqualTo(1);
        assertThat(r.release(1, LeaseOwner.vm(2))).isNull();
        AddressRange blocks = create("TYPE = IP4, IP = 10.0.0.1, SIZE = 10").take(3, vm, false).take(7, vm, false);
        assertThat(blocks.findBlock(3)).isEqualTo(0);
        assertThat(blocks.findBlock(4)).isEqualTo(-1);
        assertThat(blocks.takeBlock(4, 3, LeaseOwner.network(9)).findBlock(2)).isEqualTo(8);
    }

    @Test
    void storedAndExtendedXml() {
        AddressRange r = create("TYPE = IP4, IP = 10.0.0.1, SIZE = 4, GATEWAY = \"10.0.0.254\"")
                .take(0, LeaseOwner.vm(12), true).take(2, LeaseOwner.HOLD, false);
        XmlWriter w = new XmlWriter();
        r.writeXml(w);
        String stored = w.toString();
        assertThat(stored).startsWith("<AR><ALLOCATED><![CDATA[ 0 68719476748 2 73014444031]]></ALLOCATED><AR_ID>");
        AddressRange back = AddressRange.fromXml(XmlNode.parse(stored));
        assertThat(back).isEqualTo(r);
        XmlWriter e = new XmlWriter();
        r.writeExtendedXml(e, o -> true);
        assertThat(e.toString()).contains("<MAC_END>02:00:0a:00:00:04</MAC_END><IP_END>10.0.0.4</IP_END><USED_LEASES>2</USED_LEASES>")
                .contains("<LEASE><IP><![CDATA[10.0.0.1]]></IP><MAC><![CDATA[02:00:0a:00:00:01]]></MAC><VM><![CDATA[12]]></VM></LEASE>")
                .contains("<VM><![CDATA[-1]]></VM>")
                .doesNotContain("ALLOCATED");
        XmlWriter none = new XmlWriter();
        r.writeExtendedXml(none, o -> false);
        assertThat(none.toString()).contains("<LEASES></LEASES>");
    }

    @Test
    void reservationPartStartsAtTheBlock() {
        AddressRange r = create("TYPE = IP4, IP = 10.0.0.1, SIZE = 10, GATEWAY = 10.0.0.254");
        AddressRange part = r.reservationPart(4, 3, 2);
        assertThat(part.id()).isEqualTo(2);
        assertThat(part.attribute("IP")).isEqualTo("10.0.0.5");
        assertThat(part.attribute("MAC")).isEqualTo("02:00:0a:00:00:05");
        assertThat(part.attribute("GATEWAY")).isEqualTo("10.0.0.254");
        assertThat(part.size()).isEqualTo(3);
        assertThat(part.parentArId()).isZero();
        assertThatThrownBy(() -> part.update(ar("AR_ID = 2, SIZE = 5"))).hasMessage("The SIZE of a reservation cannot be changed.");
    }

    @Test
    void updateKeepsAddressesAndGuardsLeases() {
        AddressRange r = create("TYPE = IP4, IP = 10.0.0.1, SIZE = 10").take(7, LeaseOwner.vm(1), false);
        AddressRange u = r.update(ar("AR_ID = 0, IP = 99.0.0.1, TYPE = ETHER, GATEWAY = 10.0.0.254, SIZE = 8"));
        assertThat(u.attribute("IP")).isEqualTo("10.0.0.1");
        assertThat(u.type()).isEqualTo(ArType.IP4);
        assertThat(u.attribute("GATEWAY")).isEqualTo("10.0.0.254");
        assertThat(u.size()).isEqualTo(8);
        assertThatThrownBy(() -> r.update(ar("AR_ID = 0, SIZE = 7"))).hasMessageContaining("used leases");
        assertThatThrownBy(() -> r.update(ar("AR_ID = 0, SIZE = x"))).hasMessageContaining("Unable to read the SIZE");
    }

    @Test
    void overlapIsDetectedOnEveryAddressKind() {
        AddressRange a = create("TYPE = IP4, IP = 10.0.0.1, SIZE = 10");
        AddressRange b = AddressRange.create(ar("TYPE = IP4, IP = 10.0.0.10, SIZE = 10, MAC = \"02:01:00:00:00:00\""), 1, 0x0200, RND);
        AddressRange c = AddressRange.create(ar("TYPE = IP4, IP = 10.0.0.11, SIZE = 10"), 2, 0x0200, RND);
        AddressRange d = AddressRange.create(ar("TYPE = ETHER, MAC = \"02:00:0a:00:00:05\", SIZE = 1"), 3, 0x0200, RND);
        assertThat(b.overlapWith(a)).contains("IP addresses overlap");
        assertThat(c.overlapWith(a)).isNull();
        assertThat(d.overlapWith(a)).contains("MAC addresses overlap");
    }
}
