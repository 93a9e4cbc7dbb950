package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VirtualMachineTest {

    static VirtualMachine sample() {
        History h0 = History.start(7, 0, 2, "host-a", 0, "dummy", "dummy", 0, 1000)
                .withTimes(1000, 1500, 1000, 1010, 1010, 1400, 1400, 1500).withAction(VmAction.POWEROFF, 0, 0, 12);
        History h1 = h0.copyAsNext(1600).withTimes(1600, 0, 0, 0, 1600, 0, 0, 0);
        return VirtualMachine.builder(7, "web <1>", VmState.ACTIVE).owner(3, "alice", 100, "users")
                .permissions(new Permissions(0640)).lock(new Lock(2, 3, 1700, -1)).phase(Phase.active(LcmState.RUNNING))
                .stime(900).deployId("one-7").monitoring(VmMonitoring.of(7, 1650, Map.of("CPU", "12.5", "MEMORY",
                        "524288", "NETRX", "100")), 1650)
                .schedActions(Set.of(4, 2))
                .vmTemplate(Template.parse("CPU = 0.5\nMEMORY = 512\nVMID = 7\nDISK = [ DISK_ID = 0, TYPE = fs, SIZE = 10 ]\n"
                        + "NIC = [ NIC_ID = 0, IP = \"10.0.0.2\" ]"))
                .userTemplate(Template.parse("LABEL = \"a&b\"\nSCHED_REQUIREMENTS = \"ID > 1\""))
                .history(List.of(h0, h1)).build();
    }

    @Test
    void xmlFollowsVmXsdAndReadsBack() {
        VirtualMachine vm = sample();
        String xml = vm.toXml();
        XmlNode n = XmlNode.parse(xml);
        List<String> order = n.children().stream().map(XmlNode::name).toList();
        assertThat(order).containsExactly("ID", "UID", "GID", "UNAME", "GNAME", "NAME", "PERMISSIONS", "LAST_POLL",
                "STATE", "LCM_STATE", "PREV_STATE", "PREV_LCM_STATE", "RESCHED", "STIME", "ETIME", "DEPLOY_ID", "LOCK",
                "MONITORING", "SCHED_ACTIONS", "TEMPLATE", "USER_TEMPLATE", "HISTORY_RECORDS", "BACKUPS");
        assertThat(n.integer("STATE", -1)).isEqualTo(3);
        assertThat(n.integer("LCM_STATE", -1)).isEqualTo(3);
        assertThat(n.integer("PREV_STATE", -1)).isEqualTo(3);
        assertThat(n.integer("PREV_LCM_STATE", -1)).isEqualTo(0);
        assertThat(n.child("HISTORY_RECORDS").all("HISTORY")).hasSize(2);
        List<String> hist = n.child("HISTORY_RECORDS").child("HISTORY").children().stream().map(XmlNode::name).toList();
        assertThat(hist).containsExactly("OID", "SEQ", "HOSTNAME", "HID", "CID", "STIME", "ETIME", "VM_MAD", "TM_MAD",
                "DS_ID", "PLAN_ID", "ACTION_ID", "PSTIME", "PETIME", "RSTIME", "RETIME", "ESTIME", "EETIME", "ACTION",
                "UID", "GID", "REQUEST_ID");
        assertThat(n.child("MONITORING").text("CPU")).isEqualTo("12.5");
        assertThat(n.child("MONITORING").text("ID")).isEqualTo("7");
        VirtualMachine back = VirtualMachine.fromXml(n);
        assertThat(back.toXml()).isEqualTo(xml);
        assertThat(back.lastHistory().seq()).isEqualTo(1);
        assertThat(back.history().get(0).action()).isEqualTo(VmAction.POWEROFF);
        assertThat(back.cpu()).isEqualTo(0.5f);
        assertThat(back.memoryMb()).isEqualTo(512);
        assertThat(back.systemDiskMb()).isEqualTo(10);
        assertThat(back.hostId()).isEqualTo(2);
        assertThat(back.stateText()).isEqualTo("RUNNING");
    }

    @Test
    void shortXmlFollowsVmPoolXsd() {
        XmlWriter w = new XmlWriter();
        sample().writeShortXml(w);
        XmlNode n = XmlNode.parse(w.toString());
        assertThat(n.children().stream().map(XmlNode::name).toList()).containsExactly("ID", "UID", "GID", "UNAME",
                "GNAME", "NAME", "LAST_POLL", "STATE", "LCM_STATE", "RESCHED", "STIME", "ETIME", "DEPLOY_ID", "LOCK",
                "TEMPLATE", "MONITORING", "USER_TEMPLATE", "HISTORY_RECORDS");
        assertThat(n.child("TEMPLATE").children().stream().map(XmlNode::name).toList())
                .containsExactly("CPU", "MEMORY", "DISK", "NIC");
        assertThat(n.child("HISTORY_RECORDS").all("HISTORY")).hasSize(1);
        assertThat(n.child("HISTORY_RECORDS").child("HISTORY").children().stream().map(XmlNode::name).toList())
                .containsExactly("OID", "SEQ", "HOSTNAME", "HID", "CID", "DS_ID", "VM_MAD", "TM_MAD", "ACTION");
    }

    @Test
    void aNewVmHasEmptyCollections() {
        VirtualMachine vm = VirtualMachine.builder(0, "one-0", VmState.PENDING).build();
        XmlNode n = XmlNode.parse(vm.toXml());
        assertThat(n.child("HISTORY_RECORDS").children()).isEmpty();
        assertThat(n.child("MONITORING").children()).isEmpty();
        assertThat(n.child("LOCK")).isNull();
        assertThat(VirtualMachine.fromXml(n).toXml()).isEqualTo(vm.toXml());
        assertThat(vm.lastHistory()).isNull();
        assertThat(vm.hostId()).isEqualTo(-1);
    }
}
