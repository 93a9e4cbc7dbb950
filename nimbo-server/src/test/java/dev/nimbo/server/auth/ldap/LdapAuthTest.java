package dev.nimbo.server.auth.ldap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneResponse;
import dev.nimbo.server.auth.InProcessNimbod;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ldap driver against a real LDAP server (UnboundID in-memory): OpenLDAP-style and AD-style entries, a
 * service account, group mapping by group template and by mapping file, auto-creation, refresh of groups,
 * failover to the next server of an availability group, and the generic error for every failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LdapAuthTest {
    static final int AUTHENTICATION = 0x100;
    static final String GENERIC = "User couldn't be authenticated, aborting call.";

    Path dir;
    TestDirectory ldap;
    InProcessNimbod nimbod;
    int devs;
    int ops;
    int engineers;
    int deadPort;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("nimbo-ldap-");
        ldap = new TestDirectory();
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // closed once the block ends: connections are refused
        }
        Files.writeString(dir.resolve("main.yaml"), "# written by the test after the groups exist\n");
        String yaml = """
                auth:
                  authn: [core, server_cipher, ldap]
                  default_auth: ldap
                  ldap:
                    cache: 0
                    dead:
                      :host: 127.0.0.1
                      :port: %d
                      :timeout: 2
                      :base: 'dc=example,dc=org'
                    main:
                      :user: 'cn=svc,dc=example,dc=org'
                      :password: '%s'
                      :host: 127.0.0.1
                      :port: %d
                      :base: 'dc=example,dc=org'
                      :user_field: uid
                      :mapping_key: GROUP_DN
                      :mapping_file: main.yaml
                      :mapping_default: 1
                      :group_admin_group_dn: 'cn=ops,ou=groups,dc=example,dc=org'
                    ad:
                      :user: 'cn=svc,dc=example,dc=org'
                      :password: '%s'
                      :host: 127.0.0.1
                      :port: %d
                      :base: 'dc=corp,dc=example,dc=com'
                      :user_field: sAMAccountName
                      :upn_field: userPrincipalName
                      :mapping_key: AD_GROUP_DN
                      :mapping_default: false
                    :order:
                      - [dead, main]
                      - ad
                """.formatted(deadPort, TestDirectory.SERVICE_PASSWORD, ldap.port(), TestDirectory.SERVICE_PASSWORD, ldap.port());
        nimbod = new InProcessNimbod(dir.resolve("data"), yaml.replace("main.yaml", dir.resolve("main.yaml").toString()));
        devs = id(nimbod.admin("one.group.allocate", "ldap-devs"));
        ok(nimbod.admin("one.group.update", devs, "GROUP_DN = \"" + TestDirectory.DEVS + "\"", 1));
        ops = id(nimbod.admin("one.group.allocate", "ldap-ops"));
        engineers = id(nimbod.admin("one.group.allocate", "ad-engineers"));
        ok(nimbod.admin("one.group.update", engineers, "AD_GROUP_DN = \"" + TestDirectory.ENGINEERS.toLowerCase() + "\"", 1));
        Files.writeString(dir.resolve("main.yaml"), "---\n'CN=ops, OU=groups,DC=example,DC=org': '" + ops + "'\n");
    }

    @AfterAll
    void stop() {
        if (nimbod != null) {
            nimbod.close();
        }
        if (ldap != null) {
            ldap.close();
        }
    }

    @Test
    void firstLoginCreatesTheUserWithItsMappedGroupAndItsDn() {
        OneResponse info = nimbod.as("alice:alice-ldap-pw-3141", "one.user.info", -1);
        ok(info);
        String xml = (String) info.value();
        assertThat(xml).contains("<NAME>alice</NAME>").contains("<AUTH_DRIVER>ldap</AUTH_DRIVER>")
                .contains("<PASSWORD>uid=alice,ou=people,dc=example,dc=org</PASSWORD>")
                .contains("<GID>" + devs + "</GID>");
        // the second login finds the user it created
        ok(nimbod.as("alice:alice-ldap-pw-3141", "one.user.info", -1));
    }

    @Test
    void mappingFileMapsGroupsAndSeveralGroupsAreKept() {
        String bob = (String) ok(nimbod.as("bob:bob-ldap-pw-2718", "one.user.info", -1)).value();
        assertThat(bob).contains("<GID>" + ops + "</GID>");
        String erin = (String) ok(nimbod.as("erin:erin-ldap-pw-5772", "one.user.info", -1)).value();
        assertThat(erin).contains("<ID>" + devs + "</ID>").contains("<ID>" + ops + "</ID>");
    }

    @Test
    void unmappedUserGetsTheDefaultGroup() {
        String carol = (String) ok(nimbod.as("carol:carol-ldap-pw-1618", "one.user.info", -1)).value();
        assertThat(carol).contains("<GID>1</GID>");
    }

    @Test
    void groupsAreRefreshedAtEachLogin() throws Exception {
        String dn = "uid=erin,ou=people," + TestDirectory.BASE;
        ok(nimbod.as("erin:erin-ldap-pw-5772", "one.user.info", -1));
        ldap.setMemberOf(dn, TestDirectory.OPS);
        try {
            String erin = (String) ok(nimbod.as("erin:erin-ldap-pw-5772", "one.user.info", -1)).value();
            assertThat(erin).contains("<GID>" + ops + "</GID>").doesNotContain("<ID>" + devs + "</ID>");
            String group = (String) ok(nimbod.admin("one.group.info", devs)).value();
            assertThat(group).doesNotContain("<ID>" + idOf(erin) + "</ID>");
        } finally {
            ldap.setMemberOf(dn, TestDirectory.DEVS, TestDirectory.OPS);
        }
    }

    @Test
    void wrongPasswordUnknownUserAndEmptyPasswordAllGetTheSameError() {
        fails(nimbod.as("alice:not-her-password", "one.user.info", -1));
        fails(nimbod.as("nobody-here:whatever", "one.user.info", -1));
        fails(nimbod.as("alice:", "one.user.info", -1)); // an empty password would be an anonymous bind
        assertThat((String) ok(nimbod.admin("one.userpool.info")).value()).doesNotContain("<NAME>nobody-here</NAME>");
    }

    @Test
    void disabledUserIsRefusedEvenWithTheRightPassword() {
        String xml = (String) ok(nimbod.as("bob:bob-ldap-pw-2718", "one.user.info", -1)).value();
        int uid = idOf(xml);
        ok(nimbod.admin("one.user.enable", uid, false));
        try {
            fails(nimbod.as("bob:bob-ldap-pw-2718", "one.user.info", -1));
        } finally {
            ok(nimbod.admin("one.user.enable", uid, true));
        }
    }

    @Test
    void expiredLoginTokenIsRefusedAndAFreshOneWorks() throws Exception {
        String token = (String) ok(nimbod.as("carol:carol-ldap-pw-1618", "one.user.login", "carol", "", 3, -1)).value();
        // expiry is kept in whole epoch seconds, so a token asked for N seconds lives between N-1 and N: three
        // leave the first use room on a busy machine
        ok(nimbod.as("carol:" + token, "one.user.info", -1));
        Thread.sleep(3100);
        OneResponse expired = nimbod.as("carol:" + token, "one.user.info", -1);
        fails(expired);
        assertThat(expired.message()).contains("expired");
    }

    @Test
    void activeDirectoryBySamAccountNameAndByUpnIsOneUser() {
        String bySam = (String) ok(nimbod.as("dave:dave-ad-pw-1414", "one.user.info", -1)).value();
        String byUpn = (String) ok(nimbod.as("dave@corp.example.com:dave-ad-pw-1414", "one.user.info", -1)).value();
        assertThat(idOf(byUpn)).isEqualTo(idOf(bySam));
        assertThat(bySam).contains("<NAME>dave</NAME>").contains("<GID>" + engineers + "</GID>")
                .containsIgnoringCase("<PASSWORD>CN=Dave Smith,OU=Users,DC=corp,DC=example,DC=com</PASSWORD>");
        fails(nimbod.as("dave@corp.example.com:wrong", "one.user.info", -1));
    }

    @Test
    void adUserInNoMappedGroupIsRefusedWhenMappingDefaultIsFalse() throws Exception {
        ldap.add("dn: CN=Frank,OU=Users," + TestDirectory.AD_BASE, "objectClass: user", "cn: Frank",
                "sAMAccountName: frank", "userPassword: frank-ad-pw-1732");
        fails(nimbod.as("frank:frank-ad-pw-1732", "one.user.info", -1));
    }

    @Test
    void coreUsersStillWorkAndLdapCannotTakeOverTheirName() {
        ok(nimbod.admin("one.user.allocate", "carla", "core-pw-1", "core", new Object[0]));
        ok(nimbod.as("carla:core-pw-1", "one.user.info", -1));
        fails(nimbod.as("carla:carol-ldap-pw-1618", "one.user.info", -1));
    }

    @Test
    void membersOfTheAdminGroupAdministerTheirMappedGroups() throws Exception {
        String dn = "uid=gina,ou=people," + TestDirectory.BASE;
        ldap.add("dn: " + dn, "objectClass: inetOrgPerson", "uid: gina", "cn: gina", "sn: gina",
                "userPassword: gina-ldap-pw-8080", "memberOf: " + TestDirectory.DEVS, "memberOf: " + TestDirectory.OPS);
        int gina = idOf((String) ok(nimbod.as("gina:gina-ldap-pw-8080", "one.user.info", -1)).value());
        assertThat(adminsOf(devs)).contains(gina);
        assertThat(adminsOf(ops)).contains(gina);
        // a group admin may manage the group's users (the ACL rules came with the admin role)
        int alice = idOf((String) ok(nimbod.as("alice:alice-ldap-pw-3141", "one.user.info", -1)).value());
        assertThat(adminsOf(devs)).doesNotContain(alice);
        ok(nimbod.as("gina:gina-ldap-pw-8080", "one.user.info", alice));
        // out of the admin group: no longer an admin at the next login
        ldap.setMemberOf(dn, TestDirectory.DEVS);
        ok(nimbod.as("gina:gina-ldap-pw-8080", "one.user.info", -1));
        assertThat(adminsOf(devs)).doesNotContain(gina);
        assertThat(nimbod.as("gina:gina-ldap-pw-8080", "one.user.info", alice).ok()).isFalse();
    }

    java.util.List<Integer> adminsOf(int gid) {
        String xml = (String) ok(nimbod.admin("one.group.info", gid)).value();
        int a = xml.indexOf("<ADMINS>");
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (a < 0) {
            return out;
        }
        String admins = xml.substring(a, xml.indexOf("</ADMINS>", a));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<ID>(\\d+)</ID>").matcher(admins);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    static int idOf(String userXml) {
        int a = userXml.indexOf("<ID>") + 4;
        return Integer.parseInt(userXml.substring(a, userXml.indexOf("</ID>", a)));
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }

    static int id(OneResponse r) {
        return ((Number) ok(r).value()).intValue();
    }

    static void fails(OneResponse r) {
        assertThat(r.ok()).as("expected an authentication failure, got %s", r.value()).isFalse();
        assertThat(r.errorCode()).isEqualTo(AUTHENTICATION);
        assertThat(r.message()).contains(GENERIC).doesNotContainIgnoringCase("exist").doesNotContainIgnoringCase("not found");
    }
}
