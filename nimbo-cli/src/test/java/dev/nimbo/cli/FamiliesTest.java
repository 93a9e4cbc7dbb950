package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group, ACL, quota, zone and system commands against the fake endpoint. */
class FamiliesTest {
    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start()
                .ok("one.userpool.info", Docs.USER_POOL)
                .ok("one.grouppool.info", Docs.GROUP_POOL)
                .ok("one.group.info", Docs.GROUP_DEVS)
                .ok("one.acl.info", Docs.ACL_POOL)
                .ok("one.zonepool.info", Docs.ZONE_POOL)
                .ok("one.zone.info", Docs.ZONE_0)
                .ok("one.zone.raftstatus", Docs.RAFT)
                .ok("one.userquota.info", Docs.DEFAULT_USER_QUOTAS);
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void groupListCountsUsersAndAdmins() {
        var r = cli.run("group", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("""
                 ID NAME     USERS ADMINS
                  0 oneadmin     1      0
                  1 users        1      0
                100 devs         2      1
                """);
    }

    @Test
    void groupQuotaColumnsOnRequest() {
        var r = cli.run("group", "list", "--list", "name,vms,memory");
        assertThat(r.out().lines().toList()).containsExactly(
                "NAME        VMS MEMORY",
                "oneadmin      -      -",
                "users     0 / - 0M / -",
                "devs     3 / 20 4G / -");
    }

    @Test
    void groupVerbs() {
        fake.ok("one.group.allocate", 101).ok("one.group.addadmin", 100).ok("one.group.deladmin", 100)
                .ok("one.group.delete", 100).ok("one.group.quota", 100).ok("one.group.update", 100);
        assertThat(cli.run("group", "create", "ops").out()).isEqualTo("ID: 101\n");
        assertThat(fake.last("one.group.allocate")).containsExactly("oneadmin:secret", "ops");
        assertThat(cli.run("group", "addadmin", "devs", "bob").exit()).isZero();
        assertThat(fake.last("one.group.addadmin")).containsExactly("oneadmin:secret", 100, 2);
        assertThat(cli.run("group", "deladmin", "devs", "alice").exit()).isZero();
        assertThat(fake.last("one.group.deladmin")).containsExactly("oneadmin:secret", 100, 1);
        assertThat(cli.run("group", "quota", "devs", "--vms", "unlimited").exit()).isZero();
        assertThat(fake.last("one.group.quota")).containsExactly("oneadmin:secret", 100, "VM=[ VMS=\"-2\" ]\n");
        assertThat(cli.stdin("A=1").run("group", "update", "devs", "-").exit()).isZero();
        assertThat(fake.last("one.group.update")).containsExactly("oneadmin:secret", 100, "A=1", 0);
        assertThat(cli.run("group", "delete", "100").exit()).isZero();
        assertThat(fake.last("one.group.delete")).containsExactly("oneadmin:secret", 100);
    }

    @Test
    void groupShow() {
        var r = cli.run("group", "show", "devs");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("GROUP 100 INFORMATION").contains("USERS           : 1, 2")
                .contains("ADMINS          : 1").contains("DESCRIPTION=\"Developers\"");
        assertThat(fake.last("one.group.info")).containsExactly("oneadmin:secret", 100, false);
    }

    @Test
    void aclListUsesOneaclMasks() {
        var r = cli.run("acl", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "ID USER RES_VHNIUTGDCOZSvRMAPtB RID OPE_UMAC ZONE",
                " 0 @1   V-NI-T---O-S-------       * ---c       #0",
                " 1 *    ----------Z--------       * u---        *",
                " 7 #5   VH-----------------     @12 um--       #0");
    }

    @Test
    void aclCreateFromRuleStringAndHex() {
        fake.ok("one.acl.addrule", 9);
        var r = cli.run("acl", "create", "@1 VM+NET/* CREATE #0");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("ID: 9\n");
        assertThat(fake.last("one.acl.addrule")).containsExactly("oneadmin:secret", "200000001", "5400000000", "8", "100000000");

        assertThat(cli.run("acl", "create", "#5", "HOST/@12", "USE+MANAGE").exit()).isZero();
        assertThat(fake.last("one.acl.addrule")).containsExactly("oneadmin:secret", "100000005", "220000000c", "3");

        assertThat(cli.run("acl", "create", "0x200000001", "0x5400000000", "0x8").exit()).isZero();
        assertThat(fake.last("one.acl.addrule")).containsExactly("oneadmin:secret", "200000001", "5400000000", "8");
    }

    @Test
    void badAclRuleIsAUsageError() {
        var r = cli.run("acl", "create", "@1 VM+BOGUS/* EAT");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("nimbo: Resource 'BOGUS' does not exist, Right 'EAT' does not exist\n");
        assertThat(fake.methods()).isEmpty();
    }

    @Test
    void aclDelete() {
        fake.ok("one.acl.delrule", 7);
        assertThat(cli.run("acl", "delete", "7").exit()).isZero();
        assertThat(fake.last("one.acl.delrule")).containsExactly("oneadmin:secret", 7);
        assertThat(cli.run("acl", "delete", "seven").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void quotaDefaults() {
        var r = cli.run("quota", "show-defaults", "user");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("VMS             : 10").contains("MEMORY          : 16G").contains("CPU             : -");

        fake.ok("one.userquota.update", Docs.DEFAULT_USER_QUOTAS);
        assertThat(cli.run("quota", "set-defaults", "user", "--cpu", "8").exit()).isZero();
        assertThat(fake.last("one.userquota.update")).containsExactly("oneadmin:secret",
                "VM=[ CPU=\"8\", MEMORY=\"16384\", VMS=\"10\" ]\n");

        fake.ok("one.groupquota.update", "<DEFAULT_GROUP_QUOTAS/>");
        assertThat(cli.stdin("VM=[ VMS=\"1\" ]").run("quota", "set-defaults", "group", "-").exit()).isZero();
        assertThat(fake.last("one.groupquota.update")).containsExactly("oneadmin:secret", "VM=[ VMS=\"1\" ]");

        assertThat(cli.run("quota", "show-defaults", "nobody").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void zones() {
        var list = cli.run("zone", "list");
        assertThat(list.out().lines().toList()).containsExactly(
                " ID NAME       ENDPOINT                    STATE",
                "  0 OpenNebula http://localhost:2633/RPC2  ENABLED",
                "101 edge-eu    http://eu.example:2633/RPC2 DISABLED");
        var show = cli.run("zone", "show", "OpenNebula");
        assertThat(show.out()).contains("ZONE 0 INFORMATION").contains("fe1").contains("http://fe1:2633/RPC2");
        assertThat(fake.last("one.zone.info")).containsExactly("oneadmin:secret", 0, false);
        var raft = cli.run("zone", "raftstatus");
        assertThat(raft.out()).contains("STATE           : solo").contains("FEDLOG_INDEX    : -1");
    }

    @Test
    void system() {
        fake.ok("one.system.version", "6.10.0").ok("one.system.config",
                "<OPENNEBULA_CONFIGURATION><PORT>2633</PORT><DB><BACKEND>sqlite</BACKEND></DB></OPENNEBULA_CONFIGURATION>");
        assertThat(cli.run("system", "version").out()).isEqualTo("6.10.0\n");
        assertThat(cli.run("system", "version", "-j").out()).isEqualTo("{\n  \"VERSION\": \"6.10.0\"\n}\n");
        assertThat(cli.run("system", "config").out()).isEqualTo("PORT=\"2633\"\nDB=[\n  BACKEND=\"sqlite\" ]\n");
        assertThat(cli.run("system", "config", "-x").out()).contains("<BACKEND>sqlite</BACKEND>");
    }

    @Test
    void nameResolutionUsesThePoolListing() {
        fake.ok("one.user.delete", 1);
        cli.run("user", "delete", "alice");
        assertThat(fake.methods()).containsExactly("one.userpool.info", "one.user.delete");
        assertThat(fake.last("one.user.delete")).isEqualTo(List.of("oneadmin:secret", 1));
    }
}
