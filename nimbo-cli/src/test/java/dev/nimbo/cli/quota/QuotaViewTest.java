package dev.nimbo.cli.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.cli.xml.Xml;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuotaViewTest {
    @Test
    void defaultsResolveAndUnlimitedPrintsDash() {
        var defaults = Xml.parse("<D><VM_QUOTA><VM><VMS>10</VMS><CPU>-2</CPU></VM></VM_QUOTA></D>");
        assertThat(QuotaView.effectiveLimit("-1", defaults, "VM_QUOTA/VM/VMS")).isEqualTo("10");
        assertThat(QuotaView.effectiveLimit("-1", defaults, "VM_QUOTA/VM/CPU")).isNull();
        assertThat(QuotaView.effectiveLimit("-1", defaults, "VM_QUOTA/VM/MEMORY")).isNull();
        assertThat(QuotaView.effectiveLimit("-2", defaults, "VM_QUOTA/VM/VMS")).isNull();
        assertThat(QuotaView.effectiveLimit("3", null, "x")).isEqualTo("3");
        assertThat(QuotaView.usage("MEMORY", "1536", "4096")).isEqualTo("1.5G / 4G");
        assertThat(QuotaView.usage("CPU", "0.50", null)).isEqualTo("0.5 / -");
        assertThat(QuotaView.usage("VMS", "2", "10")).isEqualTo("2 / 10");
    }

    @Test
    void vmVectorKeepsCurrentLimits() {
        var holder = Xml.parse("<U><VM_QUOTA><VM><CLUSTER_IDS>1</CLUSTER_IDS><VMS>1</VMS></VM>"
                + "<VM><VMS>5</VMS><VMS_USED>2</VMS_USED><MEMORY>-1</MEMORY></VM></VM_QUOTA></U>");
        assertThat(QuotaOptions.vmVector(holder, Map.of("MEMORY", "2048")))
                .isEqualTo("VM=[ VMS=\"5\", MEMORY=\"2048\" ]\n");
        assertThat(QuotaOptions.vmVector(null, Map.of("VMS", "-2"))).isEqualTo("VM=[ VMS=\"-2\" ]\n");
        assertThat(QuotaOptions.limit("MEMORY", "2g", true)).isEqualTo("2048");
        assertThat(QuotaOptions.limit("VMS", "default", false)).isEqualTo("-1");
        assertThat(QuotaOptions.limit("VMS", "Unlimited", false)).isEqualTo("-2");
    }

    @Test
    void editableTemplateHasLimitsOnly() {
        var holder = Xml.parse("<U><VM_QUOTA><VM><VMS>5</VMS><VMS_USED>2</VMS_USED></VM></VM_QUOTA>"
                + "<DATASTORE_QUOTA><DATASTORE><ID>1</ID><IMAGES>3</IMAGES><IMAGES_USED>0</IMAGES_USED></DATASTORE></DATASTORE_QUOTA></U>");
        String t = QuotaView.editable(holder);
        assertThat(QuotaView.stripComments(t)).isEqualTo("VM=[\n  VMS=\"5\" ]\nDATASTORE=[\n  ID=\"1\",\n  IMAGES=\"3\" ]\n");
    }
}
