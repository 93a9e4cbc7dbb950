package dev.nimbo.server.it;

import static dev.nimbo.server.it.Rpc.ACTION;
import static dev.nimbo.server.it.Rpc.ALLOCATE;
import static dev.nimbo.server.it.Rpc.AUTHENTICATION;
import static dev.nimbo.server.it.Rpc.AUTHORIZATION;
import static dev.nimbo.server.it.Rpc.INTERNAL;
import static dev.nimbo.server.it.Rpc.LOCKED;
import static dev.nimbo.server.it.Rpc.NO_EXISTS;
import static dev.nimbo.server.it.Rpc.XML_RPC_API;
import static dev.nimbo.server.it.Rpc.fails;
import static dev.nimbo.server.it.Rpc.ok;
import static dev.nimbo.server.it.Rpc.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The foundation API end to end: a real nimbod process, spoken to over XML-RPC/HTTP. Subclasses choose the
 * database (SQLite, PostgreSQL); every test here must pass on both. One daemon per class keeps the run short,
 * so tests use unique names instead of relying on an empty database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FoundationSuite {


    NimbodProcess nimbod;
    OneClient admin;

    /** The database URL for the daemon, or null for its embedded SQLite. */
    abstract String dbUrl() throws Exception;

    @BeforeAll
    void startDaemon() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-it-");
        nimbod = NimbodProcess.start(dir, dbUrl());
        admin = nimbod.client();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).as("clean exit on SIGTERM").isZero();
        }
    }




    int newUser(String name, String password, Integer... groups) {
        return ok(admin.call("one.user.allocate", name, password, "", List.of((Object[]) groups))).intValue();
    }

    OneClient as(String user, String password) {
        return nimbod.client(user + ":" + password);
    }

    // ------------------------------------------------------------------ bootstrap

    @Test
    void bootstrapObjectsExistAsOpenNebulaCreatesThem() {
        String users = ok(admin.call("one.userpool.info")).stringValue();
        assertThat(users).contains("<ID>0</ID><GID>0</GID>").contains("<NAME>oneadmin</NAME>")
                .contains("<NAME>serveradmin</NAME>").contains("<AUTH_DRIVER>server_cipher</AUTH_DRIVER>")
                .contains("<DEFAULT_USER_QUOTAS>");
        String groups = ok(admin.call("one.grouppool.info")).stringValue();
        assertThat(groups).contains("<GROUP><ID>0</ID><NAME>oneadmin</NAME>").contains("<GROUP><ID>1</ID><NAME>users</NAME>");
        String acls = ok(admin.call("one.acl.info")).stringValue();
        assertThat(acls).startsWith("<ACL_POOL>").contains("<STRING>@1 ").contains("ZONE");
        String zone = ok(admin.call("one.zone.info", 0)).stringValue();
        assertThat(zone).contains("<NAME>OpenNebula</NAME>").contains("<ENDPOINT>");
        assertThat(ok(admin.call("one.zonepool.info")).stringValue()).contains("<ZONE_POOL><ZONE><ID>0</ID>");
        assertThat(ok(admin.call("one.zone.raftstatus")).stringValue()).contains("<STATE>0</STATE>");
        assertThat(ok(admin.call("one.system.version")).stringValue()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(ok(admin.call("one.system.config")).stringValue()).startsWith("<OPENNEBULA_CONFIGURATION>");
    }

    // ------------------------------------------------------------------ users

    @Test
    void userLifeCycle() {
        String name = unique("alice");
        int id = newUser(name, "pw1");
        OneClient alice = as(name, "pw1");
        String info = ok(alice.call("one.user.info", -1)).stringValue();
        assertThat(info).contains("<ID>" + id + "</ID>").contains("<GID>1</GID>").contains("<GNAME>users</GNAME>")
                .contains("<AUTH_DRIVER>core</AUTH_DRIVER>").contains("<ENABLED>1</ENABLED>")
                .doesNotContain("pw1");

        ok(alice.call("one.user.passwd", id, "pw2"));
        fails(as(name, "pw1").call("one.user.info", -1), AUTHENTICATION, "couldn't be authenticated");
        alice = as(name, "pw2");
        ok(alice.call("one.user.update", id, "EMAIL = \"a@example.org\"\nLANG = en", 0));
        ok(alice.call("one.user.update", id, "LANG = fr", 1));
        info = ok(alice.call("one.user.info", id)).stringValue();
        assertThat(info).contains("<EMAIL><![CDATA[a@example.org]]></EMAIL>").contains("<LANG><![CDATA[fr]]></LANG>");

        int gid = ok(admin.call("one.group.allocate", unique("grp"))).intValue();
        assertThat(gid).isGreaterThanOrEqualTo(100);
        ok(admin.call("one.user.addgroup", id, gid));
        fails(admin.call("one.user.addgroup", id, gid), ACTION, "already in this group");
        assertThat(ok(admin.call("one.group.info", gid)).stringValue()).contains("<USERS><ID>" + id + "</ID></USERS>");
        ok(admin.call("one.user.chgrp", id, gid));
        info = ok(admin.call("one.user.info", id)).stringValue();
        assertThat(info).contains("<GID>" + gid + "</GID>").contains("<GROUPS><ID>1</ID><ID>" + gid + "</ID></GROUPS>");
        fails(admin.call("one.user.delgroup", id, gid), ACTION, "primary group");
        ok(admin.call("one.user.delgroup", id, 1));
        fails(admin.call("one.group.delete", gid), ACTION, "is not empty");

        ok(admin.call("one.user.enable", id, false));
        fails(alice.call("one.user.info", -1), AUTHENTICATION, "authenticated");
        ok(admin.call("one.user.enable", id, true));
        ok(alice.call("one.user.info", -1));

        ok(admin.call("one.user.chauth", id, "core", "pw3"));
        ok(as(name, "pw3").call("one.user.info", -1));

        ok(admin.call("one.user.delete", id));
        fails(admin.call("one.user.info", id), NO_EXISTS, "[" + id + "]");
        assertThat(ok(admin.call("one.group.info", gid)).stringValue()).contains("<USERS></USERS>");
        ok(admin.call("one.group.delete", gid));
        fails(admin.call("one.group.info", gid), NO_EXISTS, "Error getting group");
    }

    @Test
    void badUserInputIsRefusedAndNothingIsCreated() {
        String name = unique("bob");
        newUser(name, "pw");
        fails(admin.call("one.user.allocate", name, "pw", "", List.of()), ALLOCATE, "NAME is already taken by USER");
        fails(admin.call("one.user.allocate", "has space", "pw", "", List.of()), ALLOCATE, "Invalid NAME");
        fails(admin.call("one.user.allocate", "a:b", "pw", "", List.of()), ALLOCATE, "Invalid NAME");
        fails(admin.call("one.user.allocate", "", "pw", "", List.of()), ALLOCATE, "cannot be empty");
        fails(admin.call("one.user.allocate", unique("c"), "", "", List.of()), ALLOCATE, "Invalid password");
        fails(admin.call("one.user.allocate", unique("d"), "p w", "", List.of()), ALLOCATE, "Invalid password");
        String ghost = unique("ghost");
        fails(admin.call("one.user.allocate", ghost, "pw", "", List.of(9999)), ALLOCATE, "valid Group ID");
        assertThat(ok(admin.call("one.userpool.info")).stringValue()).doesNotContain(ghost);
        fails(admin.call("one.user.delete", 0), ACTION, "oneadmin cannot be deleted");
        fails(admin.call("one.user.enable", 0, false), ACTION, "oneadmin");
        fails(admin.call("one.user.quota", 0, "VM=[VMS=1]"), ACTION, "oneadmin");
        fails(admin.call("one.user.update", 0, "A = [ B = 1", 0), XML_RPC_API, "Parse error");
        fails(admin.call("one.user.update", 0, "A = 1", 7), XML_RPC_API, "Wrong update type");
        fails(admin.call("one.user.info", 123456), NO_EXISTS, "Error getting user [123456]");
        fails(admin.call("one.user.chgrp", 0, -5), XML_RPC_API, "Wrong group ID");
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void loginTokensExpireAndCanBeRevoked() throws Exception {
        String name = unique("tok");
        int id = newUser(name, "secret");
        OneClient user = as(name, "secret");
        String token = ok(user.call("one.user.login", name, "", 3600, -1)).stringValue();
        assertThat(token).hasSizeGreaterThan(20);
        ok(as(name, token).call("one.user.info", -1));
        assertThat(ok(admin.call("one.user.info", id)).stringValue()).contains("<LOGIN_TOKEN>").doesNotContain(token);

        ok(user.call("one.user.login", name, token, 0, -1));
        fails(as(name, token).call("one.user.info", -1), AUTHENTICATION, "authenticated");
        fails(user.call("one.user.login", name, "nope", 0, -1), XML_RPC_API, "Could not find token");

        String shortLived = ok(user.call("one.user.login", name, "", 3, -1)).stringValue();
        // expiry is in whole epoch seconds: a 3 s token lives at least 2 s, room for the first use on a busy machine
        ok(as(name, shortLived).call("one.user.info", -1));
        Thread.sleep(3100);
        fails(as(name, shortLived).call("one.user.info", -1), AUTHENTICATION, "authenticated");
        fails(user.call("one.user.login", name, "", -7, -1), XML_RPC_API, "Wrong valid period");
    }

    @Test
    void groupScopedTokenSetsTheEffectiveGroup() {
        int gid = ok(admin.call("one.group.allocate", unique("scope"))).intValue();
        String name = unique("scoped");
        int id = newUser(name, "secret", 1, gid);
        OneClient user = as(name, "secret");
        String token = ok(user.call("one.user.login", name, "", 600, gid)).stringValue();
        // With the scoped token, "my group" (-1) is the token's group.
        assertThat(ok(as(name, token).call("one.group.info", -1)).stringValue()).contains("<ID>" + gid + "</ID>");
        assertThat(ok(user.call("one.group.info", -1)).stringValue()).contains("<ID>1</ID>");
        fails(user.call("one.user.login", name, "", 600, 0), XML_RPC_API, "EGID is not in user group list");
        fails(as(name, token).call("one.user.login", name, "", 600, -1), XML_RPC_API, "full token");
        assertThat(id).isPositive();
    }

    @Test
    void serveradminProxiesForAnotherUser() throws Exception {
        String name = unique("proxied");
        int id = newUser(name, "secret");
        String serverAuth = Files.readString(nimbod.dataDir().resolve("serveradmin_auth")).strip();
        String serverPassword = serverAuth.substring(serverAuth.indexOf(':') + 1);
        OneClient proxy = nimbod.client("serveradmin:" + name + ":" + serverPassword);
        assertThat(ok(proxy.call("one.user.info", -1)).stringValue()).contains("<ID>" + id + "</ID>");
        fails(nimbod.client("serveradmin:" + name + ":wrong").call("one.user.info", -1), AUTHENTICATION, "authenticated");
    }

    // ------------------------------------------------------------------ authorization

    @Test
    void tenantsSeeAndChangeOnlyWhatTheyMay() {
        String a = unique("ten_a");
        String b = unique("ten_b");
        int ida = newUser(a, "pa");
        int idb = newUser(b, "pb");
        OneClient ta = as(a, "pa");
        fails(ta.call("one.user.info", idb), AUTHORIZATION, "");
        fails(ta.call("one.user.passwd", idb, "x"), AUTHORIZATION, "");
        fails(ta.call("one.user.delete", idb), AUTHORIZATION, "");
        fails(ta.call("one.user.allocate", unique("x"), "p", "", List.of()), AUTHORIZATION, "");
        fails(ta.call("one.group.allocate", unique("x")), AUTHORIZATION, "");
        fails(ta.call("one.acl.info"), AUTHORIZATION, "");
        fails(ta.call("one.acl.addrule", "0x100000000", "0x1000000000", "0x1"), AUTHORIZATION, "");
        fails(ta.call("one.system.config"), AUTHORIZATION, "");
        fails(ta.call("one.userquota.update", "VM=[VMS=1]"), AUTHORIZATION, "");
        String pool = ok(ta.call("one.userpool.info")).stringValue();
        assertThat(pool).contains("<NAME>" + a + "</NAME>").doesNotContain("<NAME>" + b + "</NAME>")
                .doesNotContain("<NAME>oneadmin</NAME>");
        ok(ta.call("one.zone.info", 0)); // default rule: * ZONE/* USE *
        ok(ta.call("one.userquota.info"));

        // An ACL rule lets user a manage (and so see) user b.
        int rule = ok(admin.call("one.acl.addrule", "0x" + Long.toHexString(0x100000000L | ida),
                "0x" + Long.toHexString(0x10000000000L | 0x100000000L | idb), "0x3")).intValue();
        assertThat(ok(ta.call("one.user.info", idb)).stringValue()).contains("<NAME>" + b + "</NAME>");
        ok(ta.call("one.user.update", idb, "NOTE = managed", 1));
        fails(ta.call("one.user.delete", idb), AUTHORIZATION, ""); // ADMIN not granted
        fails(admin.call("one.acl.addrule", "0x" + Long.toHexString(0x100000000L | ida),
                "0x" + Long.toHexString(0x10000000000L | 0x100000000L | idb), "0x3"), INTERNAL, "already exists");
        ok(admin.call("one.acl.delrule", rule));
        fails(ta.call("one.user.info", idb), AUTHORIZATION, "");
        fails(admin.call("one.acl.delrule", rule), INTERNAL, "does not exist");
        fails(admin.call("one.acl.addrule", "0x0", "0x1000000000", "0x1"), INTERNAL, "");
    }

    @Test
    void groupAdminsManageTheirGroupsUsers() {
        int gid = ok(admin.call("one.group.allocate", unique("team"))).intValue();
        String boss = unique("boss");
        String member = unique("member");
        String outsider = unique("outsider");
        int bossId = newUser(boss, "pb", gid);
        int memberId = newUser(member, "pm", gid);
        int outsiderId = newUser(outsider, "po");
        fails(admin.call("one.group.addadmin", gid, outsiderId), INTERNAL, "not part of");
        ok(admin.call("one.group.addadmin", gid, bossId));
        fails(admin.call("one.group.addadmin", gid, bossId), INTERNAL, "already an administrator");
        assertThat(ok(admin.call("one.group.info", gid)).stringValue()).contains("<ADMINS><ID>" + bossId + "</ID></ADMINS>");
        OneClient b = as(boss, "pb");
        assertThat(ok(b.call("one.userpool.info")).stringValue()).contains("<NAME>" + member + "</NAME>")
                .doesNotContain("<NAME>" + outsider + "</NAME>");
        ok(b.call("one.user.passwd", memberId, "newpm"));
        ok(as(member, "newpm").call("one.user.info", -1));
        fails(b.call("one.user.passwd", outsiderId, "x"), AUTHORIZATION, "");
        // A group admin creates users in the group.
        int created = ok(b.call("one.user.allocate", unique("hire"), "ph", "", List.of(gid))).intValue();
        assertThat(ok(admin.call("one.user.info", created)).stringValue()).contains("<GID>" + gid + "</GID>");
        ok(admin.call("one.group.deladmin", gid, bossId));
        fails(b.call("one.user.passwd", memberId, "again"), AUTHORIZATION, "");
    }

    // ------------------------------------------------------------------ quotas

    @Test
    void quotasAreSetShownAndValidated() {
        String name = unique("quota");
        int id = newUser(name, "pq");
        ok(admin.call("one.user.quota", id, "VM = [ VMS = 4, CPU = 2.5, MEMORY = 2048, SYSTEM_DISK_SIZE = -2 ]\n"
                + "DATASTORE = [ ID = 1, IMAGES = 3, SIZE = -1 ]\nNETWORK = [ ID = 0, LEASES = 2 ]"));
        String info = ok(admin.call("one.user.info", id)).stringValue();
        assertThat(info).contains("<VM_QUOTA><VM>").contains("<VMS>4</VMS>").contains("<IMAGES>3</IMAGES>")
                .contains("<LEASES>2</LEASES>");
        fails(admin.call("one.user.quota", id, "VM = [ VMS = lots ]"), ACTION, "");
        assertThat(ok(admin.call("one.user.info", id)).stringValue()).contains("<VMS>4</VMS>");
        fails(as(name, "pq").call("one.user.quota", id, "VM = [ VMS = 100 ]"), AUTHORIZATION, "");

        String defaults = ok(admin.call("one.userquota.update", "VM = [ VMS = 7 ]")).stringValue();
        assertThat(defaults).startsWith("<DEFAULT_USER_QUOTAS>").contains("<VMS>7</VMS>");
        assertThat(ok(admin.call("one.userquota.info")).stringValue()).contains("<VMS>7</VMS>");
        assertThat(ok(admin.call("one.groupquota.update", "DATASTORE = [ ID = 1, SIZE = 1000 ]")).stringValue())
                .startsWith("<DEFAULT_GROUP_QUOTAS>");
        int gid = ok(admin.call("one.group.allocate", unique("gq"))).intValue();
        ok(admin.call("one.group.quota", gid, "NETWORK = [ ID = 3, LEASES = 9 ]"));
        assertThat(ok(admin.call("one.group.info", gid)).stringValue()).contains("<LEASES>9</LEASES>")
                .contains("<DEFAULT_GROUP_QUOTAS>");
        fails(admin.call("one.group.quota", 0, "VM=[VMS=1]"), ACTION, "oneadmin group");
        ok(admin.call("one.userquota.update", "VM = [ VMS = -2 ]"));
    }

    // ------------------------------------------------------------------ shared object machinery (documents)


    @Test
    void sharedOperationsOnDocuments() {
        String owner = unique("docowner");
        int uid = newUser(owner, "po");
        OneClient user = as(owner, "po");
        int doc = ok(user.call("one.document.allocate", "NAME = \"report\"\nBODY = \"x\"", 7)).intValue();
        String xml = ok(user.call("one.document.info", doc)).stringValue();
        assertThat(xml).contains("<UID>" + uid + "</UID>").contains("<NAME>report</NAME>").contains("<TYPE>7</TYPE>")
                .contains("<OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A>");
        fails(user.call("one.document.allocate", "NAME = report", 7), ALLOCATE, "NAME is already taken by DOCUMENT");

        ok(user.call("one.document.update", doc, "BODY = y", 1));
        assertThat(ok(user.call("one.document.info", doc)).stringValue()).contains("<BODY><![CDATA[y]]></BODY>");
        ok(user.call("one.document.rename", doc, "report2"));
        fails(user.call("one.document.rename", doc, "bad/name"), ACTION, "Invalid NAME");
        ok(user.call("one.document.chmod", doc, -1, -1, -1, 1, -1, -1, -1, -1, -1));
        assertThat(ok(user.call("one.document.info", doc)).stringValue()).contains("<GROUP_U>1</GROUP_U>");
        ok(user.call("one.document.chmod", doc, -1, -1, -1, 0, -1, -1, -1, -1, -1));
        // Changing an ADMIN bit needs ADMIN, which the owner lacks by default.
        fails(user.call("one.document.chmod", doc, -1, -1, 1, -1, -1, -1, -1, -1, -1), AUTHORIZATION, "");

        // Lock levels: MANAGE blocks manage operations, reads still work; the lock owner unlocks.
        ok(user.call("one.document.lock", doc, 2, false));
        assertThat(ok(user.call("one.document.info", doc)).stringValue()).contains("<LOCK><LOCKED>2</LOCKED>");
        fails(user.call("one.document.update", doc, "BODY = z", 1), LOCKED, "locked");
        fails(user.call("one.document.delete", doc), LOCKED, "locked");
        fails(user.call("one.document.lock", doc, 1, true), ACTION, "already locked");
        fails(user.call("one.document.lock", doc, 9, false), ACTION, "Wrong lock level");
        ok(user.call("one.document.unlock", doc));
        ok(user.call("one.document.update", doc, "BODY = z", 1));

        int copy = ok(user.call("one.document.clone", doc, "copy")).intValue();
        String mine = ok(user.call("one.documentpool.info", -3, -1, -1)).stringValue();
        assertThat(mine).startsWith("<DOCUMENT_POOL>").contains("<NAME>report2</NAME>").contains("<NAME>copy</NAME>");
        assertThat(ok(user.call("one.documentpool.info", -3, copy, copy)).stringValue()).doesNotContain("report2");
        assertThat(ok(user.call("one.documentpool.info", -3, -1, -1, 8)).stringValue()).isEqualTo("<DOCUMENT_POOL></DOCUMENT_POOL>");

        // Another tenant sees nothing of it; chown to oneadmin takes it away from the owner.
        String other = unique("docother");
        newUser(other, "px");
        OneClient o = as(other, "px");
        fails(o.call("one.document.info", doc), AUTHORIZATION, "");
        assertThat(ok(o.call("one.documentpool.info", -2, -1, -1)).stringValue()).doesNotContain("report2");
        ok(admin.call("one.document.chown", copy, 0, 0));
        fails(user.call("one.document.info", copy), AUTHORIZATION, "");
        ok(user.call("one.document.delete", doc));
        fails(user.call("one.document.info", doc), NO_EXISTS, "");
    }

    // ------------------------------------------------------------------ protocol errors

    @Test
    void malformedCallsGetClearErrors() {
        fails(admin.call("one.user.info", "zero"), XML_RPC_API, "Parameter 2 must be an integer");
        fails(admin.call("one.user.info"), XML_RPC_API, "Wrong number of parameters");
        fails(admin.call("one.nothing.here"), XML_RPC_API, "not found");
        fails(nimbod.client("nobody:x").call("one.system.version"), AUTHENTICATION, "authenticated");
        fails(nimbod.client("no-colon").call("one.system.version"), AUTHENTICATION, "authenticated");
        String fault = new String(admin.post("<methodCall><methodName>one.system.version".getBytes()));
        assertThat(fault).contains("<fault>").contains("faultCode");
        String bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>"
                + "<methodCall><methodName>one.system.version</methodName><params><param><value>&lol2;</value></param></params></methodCall>";
        assertThat(new String(admin.post(bomb.getBytes()))).contains("<fault>");
        assertThat(ok(admin.call("one.system.version")).stringValue()).isNotEmpty();
    }
}
