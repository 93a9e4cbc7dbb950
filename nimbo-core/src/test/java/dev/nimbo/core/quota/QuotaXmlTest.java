package dev.nimbo.core.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import org.junit.jupiter.api.Test;

class QuotaXmlTest {

    private static final String EMPTY_XML =
            "<DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA><VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA>";

    private static String xml(QuotaSet s) {
        XmlWriter w = new XmlWriter();
        s.writeXml(w);
        return w.toString();
    }

    private static QuotaSet reread(QuotaSet s) {
        return QuotaSet.fromXml(XmlNode.parse("<USER><ID>5</ID>" + xml(s) + "</USER>"));
    }

    @Test
    void emptyFamiliesRenderAsOpenCloseElementsInOnedOrder() {
        // oned prints each family through Template::to_xml, which never self-closes.
        assertThat(xml(QuotaSet.EMPTY)).isEqualTo(EMPTY_XML);
    }

    @Test
    void entriesRenderWithAlphabeticalChildrenAndOnedNumberFormat() {
        QuotaSet s = QuotaSet.EMPTY.update(Template.parse(
                "VM=[VMS=10, CPU=1.5, MEMORY=2048]\nDATASTORE=[ID=1, IMAGES=5, SIZE=10000]\n"
                        + "NETWORK=[ID=0, LEASES=4]\nIMAGE=[ID=3, RVMS=2]"));
        assertThat(xml(s)).isEqualTo(
                "<DATASTORE_QUOTA><DATASTORE><ID>1</ID><IMAGES>5</IMAGES><IMAGES_USED>0</IMAGES_USED>"
                        + "<SIZE>10000</SIZE><SIZE_USED>0</SIZE_USED></DATASTORE></DATASTORE_QUOTA>"
                        + "<NETWORK_QUOTA><NETWORK><ID>0</ID><LEASES>4</LEASES><LEASES_USED>0</LEASES_USED></NETWORK>"
                        + "</NETWORK_QUOTA>"
                        + "<VM_QUOTA><VM><CPU>1.50</CPU><CPU_USED>0</CPU_USED><MEMORY>2048</MEMORY><MEMORY_USED>0</MEMORY_USED>"
                        + "<PCI_DEV>-1</PCI_DEV><PCI_DEV_USED>0</PCI_DEV_USED><PCI_NIC>-1</PCI_NIC><PCI_NIC_USED>0</PCI_NIC_USED>"
                        + "<RUNNING_CPU>-1</RUNNING_CPU><RUNNING_CPU_USED>0</RUNNING_CPU_USED>"
                        + "<RUNNING_MEMORY>-1</RUNNING_MEMORY><RUNNING_MEMORY_USED>0</RUNNING_MEMORY_USED>"
                        + "<RUNNING_PCI_DEV>-1</RUNNING_PCI_DEV><RUNNING_PCI_DEV_USED>0</RUNNING_PCI_DEV_USED>"
                        + "<RUNNING_PCI_NIC>-1</RUNNING_PCI_NIC><RUNNING_PCI_NIC_USED>0</RUNNING_PCI_NIC_USED>"
                        + "<RUNNING_VMS>-1</RUNNING_VMS><RUNNING_VMS_USED>0</RUNNING_VMS_USED>"
                        + "<SYSTEM_DISK_SIZE>-1</SYSTEM_DISK_SIZE><SYSTEM_DISK_SIZE_USED>0</SYSTEM_DISK_SIZE_USED>"
                        + "<VMS>10</VMS><VMS_USED>0</VMS_USED></VM></VM_QUOTA>"
                        + "<IMAGE_QUOTA><IMAGE><ID>3</ID><RVMS>2</RVMS><RVMS_USED>0</RVMS_USED></IMAGE></IMAGE_QUOTA>");
    }

    @Test
    void roundTripKeepsLimitsCountersAndOrder() {
        QuotaSet s = QuotaSet.EMPTY.update(Template.parse(
                "DATASTORE=[ID=7, SIZE=-2]\nDATASTORE=[ID=2, IMAGES=0]\nVM=[CPU=0.25, VMS=-2]"));
        Quotas.Charged c = Quotas.charge(Quotas.Account.user(5, s, null), Quotas.Account.group(1, QuotaSet.EMPTY, null),
                Usage.vm(1, 0.1f, 512, 0, true).plus(Usage.network(4, 1)));
        QuotaSet back = reread(c.user());
        assertThat(back).isEqualTo(c.user());
        assertThat(xml(back)).isEqualTo(xml(c.user()));
        assertThat(back.entries(QuotaKind.DATASTORE)).extracting(QuotaEntry::id).containsExactly(7, 2);
        assertThat(back.vm().usedText("CPU")).isEqualTo("0.10");
        assertThat(back.network(4).usedText("LEASES")).isEqualTo("1");
        assertThat(reread(QuotaSet.EMPTY)).isSameAs(QuotaSet.EMPTY);
    }

    @Test
    void readsOnedDocumentsIncludingMissingFieldsAndSkipsClusterQuotas() {
        XmlNode user = XmlNode.parse("<USER><ID>3</ID><TEMPLATE/>"
                + "<DATASTORE_QUOTA><DATASTORE><ID>1</ID><IMAGES>2</IMAGES><IMAGES_USED>1</IMAGES_USED>"
                + "<SIZE>1024.000000</SIZE><SIZE_USED>512</SIZE_USED></DATASTORE></DATASTORE_QUOTA>"
                + "<NETWORK_QUOTA/>"
                + "<VM_QUOTA><VM><CLUSTER_IDS>100</CLUSTER_IDS><VMS>1</VMS><VMS_USED>0</VMS_USED></VM>"
                + "<VM><CPU>2</CPU><CPU_USED>0.50</CPU_USED><VMS>4</VMS><VMS_USED>1</VMS_USED></VM></VM_QUOTA>"
                + "<DEFAULT_USER_QUOTAS><VM_QUOTA><VM><VMS>99</VMS></VM></VM_QUOTA></DEFAULT_USER_QUOTAS>"
                + "</USER>");
        QuotaSet s = QuotaSet.fromXml(user);
        assertThat(s.datastore(1).limit("SIZE")).isEqualTo(1024);
        assertThat(s.datastore(1).used("IMAGES")).isEqualTo(1);
        assertThat(s.entries(QuotaKind.NETWORK)).isEmpty();
        assertThat(s.entries(QuotaKind.IMAGE)).isEmpty();
        // Pre-PCI documents lack PCI_DEV: a missing limit means "use the default", missing usage 0.
        assertThat(s.vm().limitText("PCI_DEV")).isEqualTo("-1");
        assertThat(s.vm().limit("VMS")).isEqualTo(4);
        assertThat(s.vm().used("CPU")).isEqualTo(0.5);
        assertThat(s.vm().used("MEMORY")).isZero();
    }

    @Test
    void storedGarbageIsAnErrorNotASilentZero() {
        assertThatThrownBy(() -> QuotaSet.fromXml(XmlNode.parse(
                "<GROUP><NETWORK_QUOTA><NETWORK><ID>1</ID><LEASES>many</LEASES></NETWORK></NETWORK_QUOTA></GROUP>")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LEASES=many");
    }

    @Test
    void defaultQuotasDocumentAsUserquotaInfoReturnsIt() {
        DefaultQuotas d = DefaultQuotas.initialUser();
        assertThat(d.toXml()).isEqualTo("<DEFAULT_USER_QUOTAS>" + EMPTY_XML + "</DEFAULT_USER_QUOTAS>");
        assertThat(DefaultQuotas.initialGroup().toXml())
                .isEqualTo("<DEFAULT_GROUP_QUOTAS>" + EMPTY_XML + "</DEFAULT_GROUP_QUOTAS>");
        assertThat(d.type()).isEqualTo(ObjectType.SETTING);
        assertThat(d.id()).isZero();
        assertThat(d.name()).isEqualTo("DEFAULT_USER_QUOTAS");
        assertThat(DefaultQuotas.initialGroup().id()).isEqualTo(1);
        assertThat(d.uid()).isZero();
        assertThat(d.gid()).isZero();
        assertThat(d.permissions().octal()).isZero();

        DefaultQuotas set = d.update(Template.parse("VM=[VMS=3]\nIMAGE=[ID=0, RVMS=1]"));
        assertThat(set.toXml()).contains("<VMS>3</VMS><VMS_USED>0</VMS_USED>")
                .contains("<RUNNING_VMS>-2</RUNNING_VMS>")
                .contains("<IMAGE_QUOTA><IMAGE><ID>0</ID><RVMS>1</RVMS><RVMS_USED>0</RVMS_USED></IMAGE></IMAGE_QUOTA>");
        XmlWriter w = new XmlWriter();
        set.writeEmbedded(w);
        assertThat(w.toString()).isEqualTo(set.toXml());
    }

    @Test
    void defaultQuotasRoundTripAndRootDecidesUserOrGroup() {
        DefaultQuotas g = DefaultQuotas.initialGroup().update(Template.parse("DATASTORE=[ID=1, SIZE=500]"));
        DefaultQuotas back = DefaultQuotas.fromXml(XmlNode.parse(g.toXml()));
        assertThat(back).isEqualTo(g);
        assertThat(back.id()).isEqualTo(1);
        // A missing default limit is unlimited, not "use the default".
        DefaultQuotas sparse = DefaultQuotas.fromXml(XmlNode.parse(
                "<DEFAULT_USER_QUOTAS><VM_QUOTA><VM><VMS>2</VMS></VM></VM_QUOTA></DEFAULT_USER_QUOTAS>"));
        assertThat(sparse.limits().vm().limitText("CPU")).isEqualTo("-2");
        assertThat(sparse.isUser()).isTrue();
        assertThatThrownBy(() -> DefaultQuotas.fromXml(XmlNode.parse("<USER/>")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
