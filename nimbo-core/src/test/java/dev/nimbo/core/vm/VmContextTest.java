package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import org.junit.jupiter.api.Test;

class VmContextTest {
    private static Template generated(String text) {
        return VmContext.generate(Template.parse(text), 5, "ana", Template.parse("ROLE = web"));
    }

    @Test
    void generateFillsEachNicsValuesUserReferencesAndTheDiskId() {
        Template t = generated("DISK = [ DISK_ID = 0 ]\nNIC = [ NIC_ID = 0, MAC = \"02:00:0a:00:00:01\", IP = 10.0.0.1,"
                + " GATEWAY = 10.0.0.254, GATEWAY6 = \"fd00::1\", MTU = 1450 ]\n"
                + "CONTEXT = [ NETWORK = YES, ETH0_DNS = 9.9.9.9, ROLE = \"$USER[ROLE]-$UNAME-$UID\" ]");
        VectorAttribute ctx = t.vectors("CONTEXT").get(0);
        assertThat(ctx.get("ETH0_IP")).isEqualTo("10.0.0.1");
        assertThat(ctx.get("ETH0_MAC")).isEqualTo("02:00:0a:00:00:01");
        assertThat(ctx.get("ETH0_GATEWAY")).isEqualTo("10.0.0.254");
        // the IPv6 gateway under both the old name and the one newer context packages read
        assertThat(ctx.get("ETH0_GATEWAY6")).isEqualTo("fd00::1");
        assertThat(ctx.get("ETH0_IP6_GATEWAY")).isEqualTo("fd00::1");
        assertThat(ctx.get("ETH0_MTU")).isEqualTo("1450");
        assertThat(ctx.get("ETH0_DNS")).as("a value the template sets itself stays").isEqualTo("9.9.9.9");
        assertThat(ctx.get("ROLE")).isEqualTo("web-ana-5");
        assertThat(ctx.get("DISK_ID")).isEqualTo("1");
    }

    @Test
    void withoutNetworkYesThereAreNoNetworkValues() {
        Template t = generated("NIC = [ NIC_ID = 0, IP = 10.0.0.1 ]\nCONTEXT = [ SSH_KEY = k ]");
        assertThat(t.vectors("CONTEXT").get(0).get("ETH0_IP")).isNull();
        VectorAttribute nic = new VectorAttribute("NIC", java.util.List.of()).with("NIC_ID", "1").with("IP", "10.0.0.2");
        assertThat(VmContext.withNic(t, nic)).isEqualTo(t);
        assertThat(VmContext.withNic(Template.parse("NIC = [ NIC_ID = 0 ]"), nic)).as("no CONTEXT at all")
                .isEqualTo(Template.parse("NIC = [ NIC_ID = 0 ]"));
    }

    @Test
    void aNicsValuesComeWithItAndGoWithItAndOnlyItsOwn() {
        Template t = generated("NIC = [ NIC_ID = 1, IP = 10.0.0.1 ]\nCONTEXT = [ NETWORK = YES, SSH_KEY = k ]");
        VectorAttribute tenth = new VectorAttribute("NIC", java.util.List.of()).with("NIC_ID", "10")
                .with("IP", "10.0.0.10").with("MAC", "02:00:0a:00:00:0a");
        t = VmContext.withNic(t, tenth);
        VectorAttribute ctx = t.vectors("CONTEXT").get(0);
        assertThat(ctx.get("ETH10_IP")).isEqualTo("10.0.0.10");
        assertThat(ctx.get("ETH10_MAC")).isEqualTo("02:00:0a:00:00:0a");
        // NIC 1 leaving does not take NIC 10's values (same leading digit)
        ctx = VmContext.withoutNic(t, new VectorAttribute("NIC", java.util.List.of()).with("NIC_ID", "1"))
                .vectors("CONTEXT").get(0);
        assertThat(ctx.get("ETH1_IP")).isNull();
        assertThat(ctx.get("ETH10_IP")).isEqualTo("10.0.0.10");
        assertThat(ctx.get("SSH_KEY")).isEqualTo("k");
        assertThat(ctx.get("NETWORK")).isEqualTo("YES");
        // a NIC without NIC_ID gives nothing
        assertThat(VmContext.withNic(t, new VectorAttribute("NIC", java.util.List.of()).with("IP", "1.2.3.4")))
                .isEqualTo(t);
    }

    @Test
    void pciNicsGiveTheirValuesUnderTheirPciId() {
        Template t = generated("NIC = [ NIC_ID = 0, IP = 10.0.0.1 ]\nPCI = [ TYPE = NIC, NIC_ID = 1, PCI_ID = 0,"
                + " MAC = \"02:00:0a:00:00:07\", IP = 10.0.0.7 ]\nPCI = [ PCI_ID = 1, VENDOR = 10de ]\n"
                + "CONTEXT = [ NETWORK = YES ]");
        VectorAttribute ctx = t.vectors("CONTEXT").get(0);
        assertThat(ctx.get("PCI0_IP")).isEqualTo("10.0.0.7");
        assertThat(ctx.get("PCI0_MAC")).isEqualTo("02:00:0a:00:00:07");
        assertThat(ctx.get("ETH1_IP")).isNull();
        assertThat(ctx.values()).noneMatch(v -> v.name().startsWith("PCI1_"));
        VectorAttribute vf = t.vectors("PCI").get(0);
        ctx = VmContext.withoutNic(t, vf).vectors("CONTEXT").get(0);
        assertThat(ctx.get("PCI0_IP")).isNull();
        assertThat(ctx.get("ETH0_IP")).isEqualTo("10.0.0.1");
        assertThat(VmContext.withNic(VmContext.withoutNic(t, vf), vf).vectors("CONTEXT").get(0).get("PCI0_IP"))
                .isEqualTo("10.0.0.7");
    }
}
