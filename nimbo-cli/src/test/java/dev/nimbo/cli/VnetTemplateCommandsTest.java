package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.cli.vnet.VnetCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nimbo vnet}, {@code nimbo vntemplate} and {@code nimbo template} against the fake endpoint. */
class VnetTemplateCommandsTest {
    static final String PERMS = "<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>1</GROUP_U>"
            + "<GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>";

    static final String VNET_POOL = "<VNET_POOL>"
            + "<VNET><ID>0</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>public</NAME>" + PERMS
            + "<CLUSTERS><ID>0</ID></CLUSTERS><BRIDGE>br0</BRIDGE><BRIDGE_TYPE>linux</BRIDGE_TYPE><STATE>1</STATE><PREV_STATE>1</PREV_STATE>"
            + "<PARENT_NETWORK_ID/><TEMPLATE_ID/><VN_MAD>bridge</VN_MAD><PHYDEV/><VLAN_ID/><OUTER_VLAN_ID/><VLAN_ID_AUTOMATIC>0</VLAN_ID_AUTOMATIC>"
            + "<OUTER_VLAN_ID_AUTOMATIC>0</OUTER_VLAN_ID_AUTOMATIC><USED_LEASES>3</USED_LEASES><VROUTERS/><UPDATED_VMS/><OUTDATED_VMS/>"
            + "<UPDATING_VMS/><ERROR_VMS/><TEMPLATE><VN_MAD><![CDATA[bridge]]></VN_MAD></TEMPLATE><AR_POOL><AR><ALLOCATED><![CDATA[ 0 1]]>"
            + "</ALLOCATED><AR_ID><![CDATA[0]]></AR_ID><IP><![CDATA[10.0.0.10]]></IP><SIZE><![CDATA[50]]></SIZE><TYPE><![CDATA[IP4]]></TYPE>"
            + "</AR></AR_POOL></VNET>"
            + "<VNET><ID>5</ID><UID>2</UID><GID>1</GID><UNAME>alice</UNAME><GNAME>users</GNAME><NAME>mine</NAME>" + PERMS
            + "<CLUSTERS><ID>0</ID><ID>100</ID></CLUSTERS><BRIDGE>br0</BRIDGE><STATE>1</STATE><PREV_STATE>1</PREV_STATE>"
            + "<PARENT_NETWORK_ID>0</PARENT_NETWORK_ID><TEMPLATE_ID/><VN_MAD>802.1Q</VN_MAD><PHYDEV>eth0</PHYDEV><VLAN_ID>42</VLAN_ID>"
            + "<USED_LEASES>0</USED_LEASES><TEMPLATE/><AR_POOL><AR><AR_ID>0</AR_ID><SIZE>2</SIZE><TYPE>IP4</TYPE></AR></AR_POOL></VNET>"
            + "</VNET_POOL>";

    static final String VNET_0 = "<VNET><ID>0</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>"
            + "<NAME>public</NAME><LOCK><LOCKED>2</LOCKED><OWNER>0</OWNER><TIME>1</TIME><REQ_ID>-1</REQ_ID></LOCK>" + PERMS
            + "<CLUSTERS><ID>0</ID></CLUSTERS><BRIDGE>br0</BRIDGE><BRIDGE_TYPE>linux</BRIDGE_TYPE><STATE>1</STATE><PREV_STATE>1</PREV_STATE>"
            + "<PARENT_NETWORK_ID/><TEMPLATE_ID/><VN_MAD>802.1Q</VN_MAD><PHYDEV>eth0</PHYDEV><VLAN_ID>7</VLAN_ID><OUTER_VLAN_ID/>"
            + "<VLAN_ID_AUTOMATIC>1</VLAN_ID_AUTOMATIC><OUTER_VLAN_ID_AUTOMATIC>0</OUTER_VLAN_ID_AUTOMATIC><USED_LEASES>2</USED_LEASES>"
            + "<VROUTERS/><UPDATED_VMS/><OUTDATED_VMS/><UPDATING_VMS/><ERROR_VMS/><TEMPLATE><VN_MAD><![CDATA[802.1Q]]></VN_MAD>"
            + "<DNS><![CDATA[10.0.0.2]]></DNS></TEMPLATE><AR_POOL><AR><AR_ID>0</AR_ID><IP>10.0.0.10</IP><MAC>02:00:0a:00:00:0a</MAC>"
            + "<NEXT_INDEX>1</NEXT_INDEX><SHARED>NO</SHARED><SIZE>50</SIZE><TYPE>IP4</TYPE><MAC_END>02:00:0a:00:00:3b</MAC_END>"
            + "<IP_END>10.0.0.59</IP_END><USED_LEASES>2</USED_LEASES><LEASES><LEASE><IP><![CDATA[10.0.0.10]]></IP>"
            + "<MAC><![CDATA[02:00:0a:00:00:0a]]></MAC><VM><![CDATA[12]]></VM></LEASE><LEASE><IP><![CDATA[10.0.0.11]]></IP>"
            + "<MAC><![CDATA[02:00:0a:00:00:0b]]></MAC><VM><![CDATA[-1]]></VM></LEASE></LEASES></AR></AR_POOL></VNET>";

    static final String TEMPLATE_POOL = "<VMTEMPLATE_POOL><VMTEMPLATE><ID>3</ID><UID>2</UID><GID>1</GID><UNAME>alice</UNAME>"
            + "<GNAME>users</GNAME><NAME>small</NAME>" + PERMS + "<REGTIME>1735686000</REGTIME><TEMPLATE><CPU><![CDATA[1]]></CPU>"
            + "<MEMORY><![CDATA[2048]]></MEMORY><DISK><IMAGE_ID><![CDATA[4]]></IMAGE_ID></DISK></TEMPLATE></VMTEMPLATE></VMTEMPLATE_POOL>";

    static final String TEMPLATE_3 = TEMPLATE_POOL.replace("<VMTEMPLATE_POOL>", "").replace("</VMTEMPLATE_POOL>", "");

    static final String VNTEMPLATE_POOL = "<VNTEMPLATE_POOL><VNTEMPLATE><ID>8</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
            + "<GNAME>oneadmin</GNAME><NAME>private</NAME>" + PERMS + "<REGTIME>1735686000</REGTIME><TEMPLATE><VN_MAD><![CDATA[bridge]]>"
            + "</VN_MAD><AR><TYPE><![CDATA[IP4]]></TYPE></AR></TEMPLATE></VNTEMPLATE></VNTEMPLATE_POOL>";

    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start()
                .ok("one.vnpool.info", VNET_POOL)
                .ok("one.vn.info", VNET_0)
                .ok("one.templatepool.info", TEMPLATE_POOL)
                .ok("one.template.info", TEMPLATE_3)
                .ok("one.vntemplatepool.info", VNTEMPLATE_POOL)
                .ok("one.userpool.info", Docs.USER_POOL)
                .ok("one.grouppool.info", Docs.GROUP_POOL);
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void vnetListShowsUsedLeases() {
        var r = cli.run("vnet", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "ID USER     GROUP    NAME   CLUSTERS BRIDGE STATE LEASES",
                " 0 oneadmin oneadmin public 0        br0    rdy        3",
                " 5 alice    users    mine   0,100    br0    rdy        0");
        assertThat(fake.last("one.vnpool.info")).containsExactly("oneadmin:secret", -2, -1, -1);
        assertThat(cli.run("vnet", "list", "--list", "NAME,SIZE,VN_MAD,VLAN,PARENT").out().lines().toList())
                .contains("mine      2 802.1Q   42      0");
    }

    @Test
    void vnetShowListsRangesAndLeases() {
        var r = cli.run("vnet", "show", "public");
        assertThat(r.exit()).isZero();
        assertThat(fake.last("one.vn.info")).containsExactly("oneadmin:secret", 0, false);
        assertThat(r.out()).contains("VIRTUAL NETWORK 0 INFORMATION").contains("LOCK            : Manage")
                .contains("PERMISSIONS     : um- u-- ---").contains("VLAN ID         : 7 (automatic)")
                .contains("PHYSICAL DEVICE : eth0").contains("USED LEASES     : 2").contains("DNS=\"10.0.0.2\"")
                .contains("02:00:0a:00:00:0a - 02:00:0a:00:00:3b").contains("10.0.0.10 - 10.0.0.59")
                .containsPattern(" 0 VM 12 +02:00:0a:00:00:0a 10.0.0.10")
                .containsPattern(" 0 hold +02:00:0a:00:00:0b 10.0.0.11");
        assertThat(cli.run("vnet", "show", "0", "-x").out()).startsWith("<VNET>");
    }

    @Test
    void vnetCreateFromOptionsAndFile() throws Exception {
        fake.ok("one.vn.allocate", 9).ok("one.clusterpool.info", "<CLUSTER_POOL><CLUSTER><ID>100</ID><NAME>edge</NAME></CLUSTER></CLUSTER_POOL>");
        var r = cli.run("vnet", "create", "public", "--bridge", "br0", "--ar", "ip4:10.0.0.10:50", "--ar", "ether:4:02:aa:00:00:00:00",
                "--cluster", "edge");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("ID: 9\n");
        List<Object> sent = fake.last("one.vn.allocate");
        assertThat(sent.get(1)).isEqualTo("NAME=\"public\"\nVN_MAD=\"bridge\"\nBRIDGE=\"br0\"\n"
                + "AR=[ TYPE=\"IP4\", IP=\"10.0.0.10\", SIZE=\"50\" ]\nAR=[ TYPE=\"ETHER\", SIZE=\"4\", MAC=\"02:aa:00:00:00:00\" ]\n");
        assertThat(sent.get(2)).isEqualTo(100);

        Path file = home.resolve("net.tmpl");
        Files.writeString(file, "NAME = vx\nVN_MAD = vxlan");
        assertThat(cli.run("vnet", "create", "-f", file.toString(), "--phydev", "eth0", "--auto-vlan").exit()).isZero();
        assertThat(fake.last("one.vn.allocate")).containsExactly("oneadmin:secret",
                "NAME = vx\nVN_MAD = vxlan\nPHYDEV=\"eth0\"\nAUTOMATIC_VLAN_ID=\"YES\"\n", -1);

        var bad = cli.run("vnet", "create", "x", "--ar", "ip9:1");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("--ar: unknown form 'ip9:1'");
        assertThat(cli.run("vnet", "create", "x", "--ar", "ip4:10.0.0.1").err()).contains("incomplete");
    }

    @Test
    void arSpecs() {
        assertThat(VnetCommand.arVector("ip6:16:2001:db8::")).isEqualTo("AR=[ TYPE=\"IP6\", SIZE=\"16\", GLOBAL_PREFIX=\"2001:db8::\" ]");
        assertThat(VnetCommand.arVector("ip4_6:10.0.0.1:8")).isEqualTo("AR=[ TYPE=\"IP4_6\", IP=\"10.0.0.1\", SIZE=\"8\" ]");
        assertThat(VnetCommand.arVector("type=ip6_static,IP6=fd00::1,PREFIX_LENGTH=64,SIZE=4"))
                .isEqualTo("AR=[ TYPE=\"ip6_static\", IP6=\"fd00::1\", PREFIX_LENGTH=\"64\", SIZE=\"4\" ]");
    }

    @Test
    void vnetRangeAndLeaseVerbs() {
        for (String m : List.of("add_ar", "rm_ar", "update_ar", "free_ar", "hold", "release", "recover", "delete", "rename",
                "chmod", "chown", "lock", "unlock", "update")) {
            fake.ok("one.vn." + m, 0);
        }
        fake.ok("one.vn.reserve", 11);
        assertThat(cli.run("vnet", "addar", "public", "--ar", "ip4:10.0.1.1:10").exit()).isZero();
        assertThat(fake.last("one.vn.add_ar")).containsExactly("oneadmin:secret", 0, "AR=[ TYPE=\"IP4\", IP=\"10.0.1.1\", SIZE=\"10\" ]");
        assertThat(cli.run("vnet", "addar", "public").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("vnet", "rmar", "public", "1", "--force").exit()).isZero();
        assertThat(fake.last("one.vn.rm_ar")).containsExactly("oneadmin:secret", 0, 1, true);
        assertThat(cli.stdin("AR=[AR_ID=0,GATEWAY=10.0.0.1]").run("vnet", "updatear", "public", "-").exit()).isZero();
        assertThat(fake.last("one.vn.update_ar")).containsExactly("oneadmin:secret", 0, "AR=[AR_ID=0,GATEWAY=10.0.0.1]");
        assertThat(cli.run("vnet", "free", "mine", "0").exit()).isZero();
        assertThat(fake.last("one.vn.free_ar")).containsExactly("oneadmin:secret", 5, 0);
        assertThat(cli.run("vnet", "hold", "public", "10.0.0.20").exit()).isZero();
        assertThat(fake.last("one.vn.hold")).containsExactly("oneadmin:secret", 0, "LEASES=[ IP=\"10.0.0.20\" ]");
        assertThat(cli.run("vnet", "release", "public", "02:00:0a:00:00:14", "--ar-id", "0").exit()).isZero();
        assertThat(fake.last("one.vn.release")).containsExactly("oneadmin:secret", 0, "LEASES=[ MAC=\"02:00:0a:00:00:14\", AR_ID=0 ]");
        assertThat(cli.run("vnet", "hold", "public", "fd00::5").exit()).isZero();
        assertThat(fake.last("one.vn.hold")).containsExactly("oneadmin:secret", 0, "LEASES=[ IP6=\"fd00::5\" ]");

        var r = cli.run("vnet", "reserve", "public", "10", "--name", "my-addresses");
        assertThat(r.out()).isEqualTo("ID: 11\n");
        assertThat(fake.last("one.vn.reserve")).containsExactly("oneadmin:secret", 0, "SIZE=10\nNAME=\"my-addresses\"\n");
        assertThat(cli.run("vnet", "reserve", "public", "2", "--into", "mine", "--ar-id", "0", "--address", "10.0.0.40").exit()).isZero();
        assertThat(fake.last("one.vn.reserve")).containsExactly("oneadmin:secret", 0, "SIZE=2\nNETWORK_ID=5\nAR_ID=0\nIP=\"10.0.0.40\"\n");
        assertThat(cli.run("vnet", "reserve", "public", "2").exit()).isEqualTo(ExitCodes.USAGE);

        assertThat(cli.run("vnet", "recover", "public", "--leases").exit()).isZero();
        assertThat(fake.last("one.vn.recover")).containsExactly("oneadmin:secret", 0, 4);
        assertThat(cli.run("vnet", "recover", "public").exit()).isEqualTo(ExitCodes.USAGE);

        assertThat(cli.run("vnet", "chmod", "public", "640").exit()).isZero();
        assertThat(fake.last("one.vn.chmod")).containsExactly("oneadmin:secret", 0, 1, 1, 0, 1, 0, 0, 0, 0, 0);
        assertThat(cli.run("vnet", "chmod", "public", "9").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("vnet", "chown", "public", "alice", "users").exit()).isZero();
        assertThat(fake.last("one.vn.chown")).containsExactly("oneadmin:secret", 0, 1, 1);
        assertThat(cli.run("vnet", "chgrp", "public", "users").exit()).isZero();
        assertThat(fake.last("one.vn.chown")).containsExactly("oneadmin:secret", 0, -1, 1);
        assertThat(cli.run("vnet", "lock", "public", "--level", "manage").exit()).isZero();
        assertThat(fake.last("one.vn.lock")).containsExactly("oneadmin:secret", 0, 2, false);
        assertThat(cli.run("vnet", "rename", "public", "outside").exit()).isZero();
        assertThat(fake.last("one.vn.rename")).containsExactly("oneadmin:secret", 0, "outside");
        assertThat(cli.stdin("MTU=9000").run("vnet", "update", "public", "-", "--append").exit()).isZero();
        assertThat(fake.last("one.vn.update")).containsExactly("oneadmin:secret", 0, "MTU=9000", 1);
        assertThat(cli.run("vnet", "delete", "mine").exit()).isZero();
        assertThat(fake.last("one.vn.delete")).containsExactly("oneadmin:secret", 5);

        fake.fail("one.vn.delete", 0x800, "[one.vn.delete] Cannot delete virtual network. Can not remove a virtual network with leases in use");
        var failed = cli.run("vnet", "delete", "public");
        assertThat(failed.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(failed.err()).contains("leases in use");
    }

    @Test
    void templateCreateFromOptions() {
        fake.ok("one.template.allocate", 4).ok("one.template.clone", 5).ok("one.template.delete", 3).ok("one.template.chmod", 3);
        var r = cli.run("template", "create", "small", "--cpu", "0.5", "--vcpu", "2", "--memory", "2g", "--disk", "ubuntu",
                "--disk", "7", "--nic", "public", "--nic", "3");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("ID: 4\n");
        assertThat(fake.last("one.template.allocate").get(1)).isEqualTo("NAME=\"small\"\nCPU=\"0.5\"\nVCPU=2\nMEMORY=2048\n"
                + "DISK=[ IMAGE=\"ubuntu\" ]\nDISK=[ IMAGE_ID=7 ]\nNIC=[ NETWORK=\"public\" ]\nNIC=[ NETWORK_ID=3 ]\n");
        assertThat(cli.run("template", "create").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("template", "create", "x", "--memory", "lots").exit()).isEqualTo(ExitCodes.USAGE);

        assertThat(cli.run("template", "clone", "small", "copy", "--recursive").out()).isEqualTo("ID: 5\n");
        assertThat(fake.last("one.template.clone")).containsExactly("oneadmin:secret", 3, "copy", true);
        assertThat(cli.run("template", "delete", "small", "--recursive").exit()).isZero();
        assertThat(fake.last("one.template.delete")).containsExactly("oneadmin:secret", 3, true);
        assertThat(cli.run("template", "chmod", "small", "604", "--recursive").exit()).isZero();
        assertThat(fake.last("one.template.chmod")).containsExactly("oneadmin:secret", 3, 1, 1, 0, 0, 0, 0, 1, 0, 0, true);
    }

    @Test
    void templateListAndShow() {
        var r = cli.run("template", "list");
        assertThat(r.out().lines().toList()).containsExactly(
                "ID USER  GROUP NAME  CPU MEMORY",
                " 3 alice users small   1     2G");
        var s = cli.run("template", "show", "small");
        assertThat(s.out()).contains("TEMPLATE 3 INFORMATION").contains("USER            : alice")
                .contains("REGISTER TIME   : 1h ago").contains("MEMORY=\"2048\"").contains("DISK=[\n  IMAGE_ID=\"4\" ]");
    }

    @Test
    void vntemplateVerbs() throws Exception {
        fake.ok("one.vntemplate.allocate", 8).ok("one.vntemplate.instantiate", 12).ok("one.vntemplate.clone", 9)
                .ok("one.vntemplate.delete", 8).ok("one.vntemplate.chmod", 8)
                .ok("one.vntemplate.info", VNTEMPLATE_POOL.replace("<VNTEMPLATE_POOL>", "").replace("</VNTEMPLATE_POOL>", ""));
        assertThat(cli.run("vntemplate", "list").out().lines().toList()).containsExactly(
                "ID USER     GROUP    NAME    VN_MAD",
                " 8 oneadmin oneadmin private bridge");
        Path file = home.resolve("vnt");
        Files.writeString(file, "NAME=private\nVN_MAD=bridge");
        assertThat(cli.run("vntemplate", "create", file.toString()).out()).isEqualTo("ID: 8\n");
        assertThat(fake.last("one.vntemplate.allocate")).containsExactly("oneadmin:secret", "NAME=private\nVN_MAD=bridge");
        assertThat(cli.stdin("AR=[TYPE=IP4,IP=10.9.0.1,SIZE=2]").run("vntemplate", "instantiate", "private", "-", "--name", "mine")
                .out()).isEqualTo("ID: 12\n");
        assertThat(fake.last("one.vntemplate.instantiate")).containsExactly("oneadmin:secret", 8, "mine", "AR=[TYPE=IP4,IP=10.9.0.1,SIZE=2]");
        assertThat(cli.run("vntemplate", "instantiate", "8").exit()).isZero();
        assertThat(fake.last("one.vntemplate.instantiate")).containsExactly("oneadmin:secret", 8, "", "");
        assertThat(cli.run("vntemplate", "clone", "private", "copy").out()).isEqualTo("ID: 9\n");
        assertThat(cli.run("vntemplate", "chmod", "private", "604").exit()).isZero();
        assertThat(fake.last("one.vntemplate.chmod")).containsExactly("oneadmin:secret", 8, 1, 1, 0, 0, 0, 0, 1, 0, 0);
        assertThat(cli.run("vntemplate", "show", "private").out()).contains("VIRTUAL NETWORK TEMPLATE 8 INFORMATION")
                .contains("VN_MAD=\"bridge\"");
        assertThat(cli.run("vntemplate", "delete", "private").exit()).isZero();
    }
}
