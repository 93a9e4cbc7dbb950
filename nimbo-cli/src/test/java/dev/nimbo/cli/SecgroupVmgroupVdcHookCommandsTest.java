package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** secgroup, vmgroup, vdc, hook and document commands against the fake endpoint: what they print and send. */
class SecgroupVmgroupVdcHookCommandsTest {
    static final String SECGROUP_POOL = """
            <SECURITY_GROUP_POOL>
              <SECURITY_GROUP><ID>0</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>default</NAME>
                <PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>1</OWNER_A><GROUP_U>1</GROUP_U><GROUP_M>0</GROUP_M>
                <GROUP_A>0</GROUP_A><OTHER_U>1</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>
                <UPDATED_VMS><ID>3</ID><ID>4</ID></UPDATED_VMS><OUTDATED_VMS/><UPDATING_VMS/><ERROR_VMS><ID>9</ID></ERROR_VMS>
                <TEMPLATE><DESCRIPTION><![CDATA[all open]]></DESCRIPTION>
                  <RULE><PROTOCOL><![CDATA[ALL]]></PROTOCOL><RULE_TYPE><![CDATA[OUTBOUND]]></RULE_TYPE></RULE>
                  <RULE><PROTOCOL><![CDATA[TCP]]></PROTOCOL><RANGE><![CDATA[22,80:90]]></RANGE><RULE_TYPE><![CDATA[inbound]]></RULE_TYPE>
                    <IP><![CDATA[10.0.0.0]]></IP><SIZE><![CDATA[256]]></SIZE></RULE></TEMPLATE></SECURITY_GROUP>
              <SECURITY_GROUP><ID>100</ID><UID>1</UID><GID>1</GID><UNAME>alice</UNAME><GNAME>users</GNAME><NAME>web</NAME>
                <PERMISSIONS/><UPDATED_VMS/><OUTDATED_VMS/><UPDATING_VMS/><ERROR_VMS/><TEMPLATE/></SECURITY_GROUP>
            </SECURITY_GROUP_POOL>
            """;

    static final String VMGROUP = """
            <VM_GROUP><ID>5</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>app</NAME>
              <PERMISSIONS/><LOCK><LOCKED>2</LOCKED><OWNER>0</OWNER><TIME>1</TIME><REQ_ID>-1</REQ_ID></LOCK>
              <ROLES>
                <ROLE><HOST_ANTI_AFFINED><![CDATA[3]]></HOST_ANTI_AFFINED><ID><![CDATA[0]]></ID><NAME><![CDATA[web]]></NAME>
                  <POLICY><![CDATA[ANTI_AFFINED]]></POLICY><VMS><![CDATA[10,11]]></VMS></ROLE>
                <ROLE><ID><![CDATA[1]]></ID><NAME><![CDATA[db]]></NAME></ROLE>
              </ROLES>
              <TEMPLATE><ANTI_AFFINED><![CDATA[web,db]]></ANTI_AFFINED></TEMPLATE></VM_GROUP>
            """;

    static final String VDC_POOL = """
            <VDC_POOL>
              <VDC><ID>0</ID><NAME>default</NAME><GROUPS><ID>1</ID></GROUPS>
                <CLUSTERS><CLUSTER><ZONE_ID>0</ZONE_ID><CLUSTER_ID>-10</CLUSTER_ID></CLUSTER></CLUSTERS><HOSTS/><DATASTORES/><VNETS/>
                <TEMPLATE/></VDC>
              <VDC><ID>100</ID><NAME>tenants</NAME><GROUPS><ID>1</ID><ID>100</ID></GROUPS><CLUSTERS/>
                <HOSTS><HOST><ZONE_ID>0</ZONE_ID><HOST_ID>4</HOST_ID></HOST><HOST><ZONE_ID>101</ZONE_ID><HOST_ID>7</HOST_ID></HOST></HOSTS>
                <DATASTORES/><VNETS/><TEMPLATE/></VDC>
            </VDC_POOL>
            """;

    static final String DATASTORE_POOL = """
            <DATASTORE_POOL><DATASTORE><ID>1</ID><NAME>default</NAME></DATASTORE><DATASTORE><ID>2</ID><NAME>files</NAME></DATASTORE></DATASTORE_POOL>
            """;

    static final String HOOK = "<HOOK><ID>3</ID><NAME>audit</NAME><TYPE>api</TYPE><TEMPLATE>"
            + "<COMMAND><![CDATA[audit.sh]]></COMMAND><CALL><![CDATA[one.user.allocate]]></CALL></TEMPLATE><HOOKLOG>"
            + "<HOOK_EXECUTION_RECORD><HOOK_ID>3</HOOK_ID><EXECUTION_ID>0</EXECUTION_ID><TIMESTAMP>1735689600</TIMESTAMP>"
            + "<ARGUMENTS>a b</ARGUMENTS><EXECUTION_RESULT><COMMAND>/hooks/audit.sh a b</COMMAND><STDOUT></STDOUT>"
            + "<STDERR>" + b64("boom\n") + "</STDERR><CODE>3</CODE></EXECUTION_RESULT></HOOK_EXECUTION_RECORD>"
            + "<HOOK_EXECUTION_RECORD><HOOK_ID>3</HOOK_ID><EXECUTION_ID>1</EXECUTION_ID><TIMESTAMP>1735689660</TIMESTAMP>"
            + "<ARGUMENTS>a b</ARGUMENTS><EXECUTION_RESULT><COMMAND>/hooks/audit.sh a b</COMMAND><STDOUT>" + b64("fixed\n")
            + "</STDOUT><STDERR></STDERR><CODE>0</CODE></EXECUTION_RESULT><RETRY>yes</RETRY></HOOK_EXECUTION_RECORD>"
            + "</HOOKLOG></HOOK>";

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start()
                .ok("one.userpool.info", Docs.USER_POOL)
                .ok("one.grouppool.info", Docs.GROUP_POOL)
                .ok("one.zonepool.info", Docs.ZONE_POOL)
                .ok("one.secgrouppool.info", SECGROUP_POOL)
                .ok("one.secgroup.info", SECGROUP_POOL.replaceAll("(?s)^\\s*<SECURITY_GROUP_POOL>\\s*", "")
                        .replaceAll("(?s)</SECURITY_GROUP>\\s*<SECURITY_GROUP>.*", "</SECURITY_GROUP>"))
                .ok("one.vmgrouppool.info", "<VM_GROUP_POOL>" + VMGROUP + "</VM_GROUP_POOL>")
                .ok("one.vmgroup.info", VMGROUP)
                .ok("one.vdcpool.info", VDC_POOL)
                .ok("one.datastorepool.info", DATASTORE_POOL)
                .ok("one.hookpool.info", "<HOOK_POOL>" + HOOK.replaceAll("<HOOKLOG>.*</HOOKLOG>", "") + "</HOOK_POOL>")
                .ok("one.hook.info", HOOK);
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void secgroupListAndShow() {
        var r = cli.run("secgroup", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("""
                 ID USER     GROUP    NAME    UPDATED OUTDATED ERROR
                  0 oneadmin oneadmin default       2        0     1
                100 alice    users    web           0        0     0
                """);
        var show = cli.run("secgroup", "show", "default");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("SECURITY GROUP 0 INFORMATION", "OWNER           : uma", "OTHER           : u--",
                "UPDATED         : 3,4", "ERROR           : 9", "DESCRIPTION=\"all open\"")
                .containsPattern("OUTBOUND +ALL +any +- +-")
                .containsPattern("INBOUND +TCP +10\\.0\\.0\\.0 \\(256\\) +22,80:90 +-");
        assertThat(show.out()).doesNotContain("RULE=");
    }

    @Test
    void secgroupVerbs() {
        fake.ok("one.secgroup.allocate", 101).ok("one.secgroup.clone", 102).ok("one.secgroup.delete", 0)
                .ok("one.secgroup.chmod", 100).ok("one.secgroup.chown", 100).ok("one.secgroup.commit", 100)
                .ok("one.secgroup.rename", 100).ok("one.secgroup.update", 100);
        assertThat(cli.stdin("NAME=db").run("secgroup", "create", "-").out()).isEqualTo("ID: 101\n");
        assertThat(fake.last("one.secgroup.allocate")).containsExactly("oneadmin:secret", "NAME=db");
        assertThat(cli.run("secgroup", "clone", "web", "web2").out()).isEqualTo("ID: 102\n");
        assertThat(fake.last("one.secgroup.clone")).containsExactly("oneadmin:secret", 100, "web2");
        assertThat(cli.run("secgroup", "chmod", "web", "640").exit()).isZero();
        assertThat(fake.last("one.secgroup.chmod")).containsExactly("oneadmin:secret", 100, 1, 1, 0, 1, 0, 0, 0, 0, 0);
        assertThat(cli.run("secgroup", "chown", "web", "bob", "devs").exit()).isZero();
        assertThat(fake.last("one.secgroup.chown")).containsExactly("oneadmin:secret", 100, 2, 100);
        assertThat(cli.run("secgroup", "commit", "web", "--recover").exit()).isZero();
        assertThat(fake.last("one.secgroup.commit")).containsExactly("oneadmin:secret", 100, true);
        assertThat(cli.run("secgroup", "rename", "100", "front").exit()).isZero();
        assertThat(cli.stdin("RULE=[PROTOCOL=ALL,RULE_TYPE=INBOUND]").run("secgroup", "update", "web", "-", "-a").exit()).isZero();
        assertThat(fake.last("one.secgroup.update")).containsExactly("oneadmin:secret", 100, "RULE=[PROTOCOL=ALL,RULE_TYPE=INBOUND]", 1);
        assertThat(cli.run("secgroup", "delete", "web", "0").exit()).isZero();
        assertThat(fake.methods().stream().filter(m -> m.equals("one.secgroup.delete"))).hasSize(2);
        assertThat(cli.run("secgroup", "chmod", "web", "9").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void secgroupErrorsKeepTheServersMessage() {
        fake.fail("one.secgroup.delete", 0x800,
                "[one.secgroup.delete] Cannot delete security group. The default security group (ID 0) cannot be deleted.");
        var r = cli.run("secgroup", "delete", "0");
        assertThat(r.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(r.err()).contains("The default security group (ID 0) cannot be deleted.");
    }

    @Test
    void vmgroupListShowAndRoles() {
        assertThat(cli.run("vmgroup", "list").out()).isEqualTo("""
                ID USER     GROUP    NAME VMS ROLES
                 5 oneadmin oneadmin app    2 web, db
                """);
        var show = cli.run("vmgroup", "show", "app");
        assertThat(show.out()).contains("VM GROUP 5 INFORMATION", "LOCK            : Manage", "ANTI_AFFINED: web,db")
                .containsPattern("0 web +ANTI_AFFINED +- +3 +10,11").containsPattern("1 db +- +- +- +-");

        fake.ok("one.vmgroup.roleadd", 5).ok("one.vmgroup.roleupdate", 5).ok("one.vmgroup.roledelete", 5)
                .ok("one.vmgroup.lock", 5).ok("one.vmgroup.unlock", 5).ok("one.vmgroup.allocate", 6);
        assertThat(cli.run("vmgroup", "role-add", "app", "--name", "cache", "--policy", "AFFINED", "--host-affined", "1,2").exit()).isZero();
        assertThat(fake.last("one.vmgroup.roleadd")).containsExactly("oneadmin:secret", 5,
                "ROLE = [ NAME = \"cache\", POLICY = \"AFFINED\", HOST_AFFINED = \"1,2\" ]");
        assertThat(cli.run("vmgroup", "role-update", "app", "db", "--policy", "NONE").exit()).isZero();
        assertThat(fake.last("one.vmgroup.roleupdate")).containsExactly("oneadmin:secret", 5, 1, "ROLE = [ POLICY = \"NONE\" ]");
        assertThat(cli.run("vmgroup", "role-delete", "app", "web").exit()).isZero();
        assertThat(fake.last("one.vmgroup.roledelete")).containsExactly("oneadmin:secret", 5, 0);
        assertThat(cli.run("vmgroup", "role-delete", "app", "nope").exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(cli.run("vmgroup", "role-add", "app").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("vmgroup", "lock", "app", "--level", "admin").exit()).isZero();
        assertThat(fake.last("one.vmgroup.lock")).containsExactly("oneadmin:secret", 5, 3, false);
        assertThat(cli.run("vmgroup", "unlock", "5").exit()).isZero();
        assertThat(cli.stdin("NAME=x").run("vmgroup", "create", "-").out()).isEqualTo("ID: 6\n");
    }

    @Test
    void vdcListShowAndResources() {
        assertThat(cli.run("vdc", "list").out()).isEqualTo("""
                 ID NAME    GROUPS CLUSTERS HOSTS VNETS DATASTORES
                  0 default      1      ALL     0     0          0
                100 tenants      2        0     2     0          0
                """);
        fake.ok("one.vdc.info", VDC_POOL.replaceAll("(?s).*(<VDC><ID>100</ID>.*?</VDC>).*", "$1"));
        assertThat(cli.run("vdc", "show", "tenants").out()).contains("VDC 100 INFORMATION", "1, 100", "zone 0: 4\nzone 101: 7");

        fake.ok("one.vdc.addcluster", 100).ok("one.vdc.adddatastore", 100).ok("one.vdc.addgroup", 100)
                .ok("one.vdc.delhost", 100).ok("one.vdc.allocate", 101).ok("one.vdc.delvnet", 100);
        assertThat(cli.run("vdc", "addcluster", "tenants", "OpenNebula", "ALL").exit()).isZero();
        assertThat(fake.last("one.vdc.addcluster")).containsExactly("oneadmin:secret", 100, 0, -10);
        assertThat(cli.run("vdc", "adddatastore", "tenants", "0", "files").exit()).isZero();
        assertThat(fake.last("one.vdc.adddatastore")).containsExactly("oneadmin:secret", 100, 0, 2);
        assertThat(cli.run("vdc", "addgroup", "tenants", "devs", "users").exit()).isZero();
        assertThat(fake.last("one.vdc.addgroup")).containsExactly("oneadmin:secret", 100, 1);
        assertThat(cli.run("vdc", "delhost", "100", "edge-eu", "7").exit()).isZero();
        assertThat(fake.last("one.vdc.delhost")).containsExactly("oneadmin:secret", 100, 101, 7);
        assertThat(cli.run("vdc", "delvnet", "100", "0", "all").exit()).isZero();
        assertThat(fake.last("one.vdc.delvnet")).containsExactly("oneadmin:secret", 100, 0, -10);
        assertThat(cli.run("vdc", "create", "new one").out()).isEqualTo("ID: 101\n");
        assertThat(fake.last("one.vdc.allocate")).containsExactly("oneadmin:secret", "NAME = \"new one\"");
        assertThat(cli.run("vdc", "create").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void hookListShowLogAndRetry() {
        assertThat(cli.run("hook", "list", "--list", "ID,NAME,TYPE,ON").out()).isEqualTo("""
                ID NAME  TYPE ON
                 3 audit api  one.user.allocate
                """);
        var show = cli.run("hook", "show", "audit");
        assertThat(show.out()).contains("HOOK 3 INFORMATION", "CALL=\"one.user.allocate\"", "EXECUTION LOG")
                .containsPattern("0 01/01 00:00:00 +3 ERROR").containsPattern("1 01/01 00:01:00 +0 SUCCESS \\(retry\\)");
        var record = cli.run("hook", "show", "audit", "-e", "0");
        assertThat(record.out()).contains("EXECUTION ID    : 0", "COMMAND         : /hooks/audit.sh a b",
                "EXIT CODE       : 3", "EXECUTION STDERR\nboom\n");
        assertThat(cli.run("hook", "show", "audit", "-e", "9").exit()).isEqualTo(ExitCodes.SERVER);

        fake.ok("one.hook.retry", 3).ok("one.hooklog.info", "<HOOKLOG>" + HOOK.replaceAll(".*<HOOKLOG>(.*)</HOOKLOG>.*", "$1")
                + "</HOOKLOG>").ok("one.hook.allocate", 4).ok("one.hook.lock", 3);
        assertThat(cli.run("hook", "retry", "audit", "0").exit()).isZero();
        assertThat(fake.last("one.hook.retry")).containsExactly("oneadmin:secret", 3, 0);
        var log = cli.run("hook", "log", "--failed", "--hook", "audit");
        assertThat(log.exit()).isZero();
        assertThat(fake.last("one.hooklog.info")).containsExactly("oneadmin:secret", -1, -1, 3, -1);
        assertThat(log.out()).startsWith("HOOK ID TIMESTAMP").containsPattern("3 +0 01/01 00:00:00 +3 ERROR");
        assertThat(cli.run("hook", "log", "--failed", "--succeeded").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.stdin("NAME=x").run("hook", "create", "-").out()).isEqualTo("ID: 4\n");
        assertThat(cli.run("hook", "lock", "audit").exit()).isZero();
        assertThat(fake.last("one.hook.lock")).containsExactly("oneadmin:secret", 3, 1, false);
    }

    @Test
    void documentVerbs() {
        fake.ok("one.documentpool.info", "<DOCUMENT_POOL><DOCUMENT><ID>4</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
                        + "<GNAME>oneadmin</GNAME><NAME>report</NAME><TYPE>100</TYPE><PERMISSIONS/><TEMPLATE/></DOCUMENT></DOCUMENT_POOL>")
                .ok("one.document.allocate", 5).ok("one.document.clone", 6).ok("one.document.lock", 4).ok("one.document.chmod", 4);
        assertThat(cli.run("document", "list", "--type", "100").out()).contains("report").contains("100");
        assertThat(fake.last("one.documentpool.info")).containsExactly("oneadmin:secret", -2, -1, -1, 100);
        assertThat(cli.stdin("NAME=r2").run("document", "create", "-", "--type", "100").out()).isEqualTo("ID: 5\n");
        assertThat(fake.last("one.document.allocate")).containsExactly("oneadmin:secret", "NAME=r2", 100);
        assertThat(cli.run("document", "clone", "report", "r3").out()).isEqualTo("ID: 6\n");
        assertThat(cli.run("document", "lock", "report", "--level", "all").exit()).isZero();
        assertThat(fake.last("one.document.lock")).containsExactly("oneadmin:secret", 4, 4, false);
        assertThat(cli.run("document", "chmod", "report", "600").exit()).isZero();
        assertThat(fake.last("one.document.chmod")).containsExactly("oneadmin:secret", 4, 1, 1, 0, 0, 0, 0, 0, 0, 0);
        assertThat(cli.run("document", "create", "-").exit()).as("--type is required").isEqualTo(ExitCodes.USAGE);
        assertThat(List.of(cli.run("document", "--help").out())).allMatch(s -> s.contains("clone"));
    }
}
