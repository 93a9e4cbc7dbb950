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
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Security groups, VM groups, VDCs and hooks end to end over XML-RPC against a real nimbod (SQLite): every
 * method, the error paths with OpenNebula's codes, tenant permissions, the ACL rules VDCs add and remove, and
 * hooks running real shell scripts (API hooks with $API on argv and stdin, a failing hook retried, a timeout,
 * a STATE hook on hosts). One daemon for the class; names are unique per test.
 */
@ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecgroupVmgroupVdcHookTest {


    NimbodProcess nimbod;
    OneClient admin;
    Path hooksDir;

    @BeforeAll
    void startDaemon() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-sg-");
        nimbod = NimbodProcess.start(dir, null);
        admin = nimbod.client();
        hooksDir = Files.createDirectories(dir.resolve("hooks"));
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).as("clean exit on SIGTERM").isZero();
        }
    }




    static XmlNode xml(OneResponse r) {
        return XmlNode.parse(ok(r).stringValue());
    }

    /** A user in group users (or the given groups) and a client for them. */
    OneClient tenant(String name, Integer... groups) {
        ok(admin.call("one.user.allocate", name, "pw", "", List.of((Object[]) groups)));
        return nimbod.client(name + ":pw");
    }

    String acls() {
        return ok(admin.call("one.acl.info")).stringValue();
    }

    // ------------------------------------------------------------------ bootstrap

    @Test
    void bootstrapCreatesDefaultSecurityGroupAndVdcWithTheirRules() {
        XmlNode sg = xml(admin.call("one.secgroup.info", 0));
        assertThat(sg.text("NAME")).isEqualTo("default");
        assertThat(sg.child("TEMPLATE").all("RULE")).hasSize(2);
        assertThat(sg.child("PERMISSIONS").text("OTHER_U")).isEqualTo("1");
        assertThat(sg.child("UPDATED_VMS")).isNotNull();
        assertThat(sg.child("ERROR_VMS")).isNotNull();

        XmlNode vdc = xml(admin.call("one.vdc.info", 0));
        assertThat(vdc.text("NAME")).isEqualTo("default");
        assertThat(vdc.child("GROUPS").all("ID").stream().map(XmlNode::text)).contains("1");
        XmlNode cluster = vdc.child("CLUSTERS").child("CLUSTER");
        assertThat(cluster.text("ZONE_ID")).isEqualTo("0");
        assertThat(cluster.text("CLUSTER_ID")).isEqualTo("-10");
        assertThat(acls()).contains("<STRING>@1 HOST/* MANAGE #0</STRING>", "<STRING>@1 NET/* USE #0</STRING>",
                "<STRING>@1 DATASTORE/* USE #0</STRING>");
        assertThat(ok(admin.call("one.vdcpool.info")).stringValue()).startsWith("<VDC_POOL><VDC><ID>0</ID>");
    }

    // ------------------------------------------------------------------ security groups

    @Test
    void securityGroupLifeCycle() {
        String name = unique("web");
        String rules = "NAME = \"" + name + "\"\nDESCRIPTION = \"web\"\n"
                + "RULE = [ PROTOCOL = TCP, RULE_TYPE = inbound, RANGE = \"22,80:90\" ]\n"
                + "RULE = [ PROTOCOL = TCP, RULE_TYPE = inbound, RANGE = \"22,80:90\" ]\n"
                + "RULE = [ PROTOCOL = ICMP, RULE_TYPE = outbound, ICMP_TYPE = 8, IP = \"10.0.0.1\", SIZE = 10 ]\n";
        int id = ok(admin.call("one.secgroup.allocate", rules)).intValue();
        assertThat(id).isGreaterThanOrEqualTo(100);
        XmlNode sg = xml(admin.call("one.secgroup.info", id));
        assertThat(sg.child("TEMPLATE").all("RULE")).as("the duplicate rule is dropped").hasSize(2);
        assertThat(sg.child("TEMPLATE").text("NAME", null)).isNull();
        fails(admin.call("one.secgroup.allocate", "NAME = \"" + name + "\""), ALLOCATE, "NAME is already taken by SecurityGroup " + id);

        // rule validation, OpenNebula's messages
        fails(admin.call("one.secgroup.allocate", "NAME = x1\nRULE = [ PROTOCOL = SCTP, RULE_TYPE = INBOUND ]"), ALLOCATE,
                "Wrong PROTOCOL in rule. Valid options: TCP, UDP, ICMP, ICMPV6, IPSEC, ALL.");
        fails(admin.call("one.secgroup.allocate", "NAME = x2\nRULE = [ PROTOCOL = TCP, RULE_TYPE = SIDEWAYS ]"), ALLOCATE,
                "Wrong RULE_TYPE in rule");
        fails(admin.call("one.secgroup.allocate", "NAME = x3\nRULE = [ PROTOCOL = ICMP, RULE_TYPE = INBOUND, RANGE = 22 ]"),
                ALLOCATE, "RANGE is supported only for TCP and UDP protocols.");
        fails(admin.call("one.secgroup.allocate", "NAME = x4\nRULE = [ PROTOCOL = UDP, RULE_TYPE = INBOUND, RANGE = \"90:80\" ]"),
                ALLOCATE, "RANGE BEGIN value is greater than RANGE END value");
        fails(admin.call("one.secgroup.allocate", "NAME = x5\nRULE = [ PROTOCOL = UDP, RULE_TYPE = INBOUND, RANGE = \"1-2\" ]"),
                ALLOCATE, "Invalid RANGE specification.");
        fails(admin.call("one.secgroup.allocate", "NAME = x6\nRULE = [ PROTOCOL = TCP, RULE_TYPE = INBOUND, IP = \"10.0.0.300\", SIZE = 2 ]"),
                ALLOCATE, "Wrong format for IP value.");
        fails(admin.call("one.secgroup.allocate", "NAME = x7\nRULE = [ PROTOCOL = TCP, RULE_TYPE = INBOUND, NETWORK_ID = abc ]"),
                ALLOCATE, "Wrong NETWORK_ID.");
        fails(admin.call("one.secgroup.allocate", "RULE = [ PROTOCOL = TCP, RULE_TYPE = INBOUND ]"), ALLOCATE,
                "Error allocating a new security group. Invalid NAME");
        fails(admin.call("one.secgroup.allocate", "NAME = [ broken"), XML_RPC_API, "Parse error");

        // update: rules re-checked (INTERNAL, "Cannot update template."), merge keeps the rest
        fails(admin.call("one.secgroup.update", id, "RULE = [ PROTOCOL = TCP, RULE_TYPE = INBOUND, RANGE = 70000 ]", 1),
                INTERNAL, "Cannot update template. RANGE out of bounds 0-65536.");
        ok(admin.call("one.secgroup.update", id, "RULE = [ PROTOCOL = IPSEC, RULE_TYPE = OUTBOUND, IP = \"2001:db8::1\", SIZE = 1 ]", 1));
        sg = xml(admin.call("one.secgroup.info", id));
        assertThat(sg.child("TEMPLATE").all("RULE")).hasSize(1);
        assertThat(sg.child("TEMPLATE").text("DESCRIPTION")).isEqualTo("web");
        fails(admin.call("one.secgroup.update", id, "A = 1", 7), XML_RPC_API, "Wrong update type");
        ok(admin.call("one.secgroup.commit", id, false));
        ok(admin.call("one.secgroup.commit", id, true));
        ok(admin.call("one.secgroup.commit", id));
        fails(admin.call("one.secgroup.commit", 99999, false), NO_EXISTS, "Error getting security group [99999].");

        // clone, rename, chmod, chown, pool
        int copy = ok(admin.call("one.secgroup.clone", id, name + "_copy")).intValue();
        assertThat(xml(admin.call("one.secgroup.info", copy)).child("TEMPLATE").all("RULE")).hasSize(1);
        fails(admin.call("one.secgroup.clone", id, name), ALLOCATE, "NAME is already taken");
        fails(admin.call("one.secgroup.clone", 99999, unique("c")), NO_EXISTS, "");
        ok(admin.call("one.secgroup.rename", copy, name + "_renamed"));
        fails(admin.call("one.secgroup.rename", copy, name), ACTION, "NAME is already taken");
        ok(admin.call("one.secgroup.chmod", copy, -1, -1, -1, 1, -1, -1, -1, -1, -1));
        assertThat(xml(admin.call("one.secgroup.info", copy)).child("PERMISSIONS").text("GROUP_U")).isEqualTo("1");
        ok(admin.call("one.secgroup.chown", copy, -1, 1));
        assertThat(xml(admin.call("one.secgroup.info", copy)).text("GNAME")).isEqualTo("users");
        String pool = ok(admin.call("one.secgrouppool.info", -2, id, copy)).stringValue();
        assertThat(pool).startsWith("<SECURITY_GROUP_POOL>").contains("<NAME>" + name + "</NAME>")
                .contains("<NAME>" + name + "_renamed</NAME>").doesNotContain("<NAME>default</NAME>");
        fails(admin.call("one.secgroup.lock", id, 1), XML_RPC_API, "not found"); // OpenNebula has none either
    }

    @Test
    void securityGroupDeletion() {
        fails(admin.call("one.secgroup.delete", 0), ACTION,
                "Cannot delete security group. The default security group (ID 0) cannot be deleted.");
        int id = ok(admin.call("one.secgroup.allocate", "NAME = " + unique("gone"))).intValue();
        ok(admin.call("one.secgroup.delete", id));
        fails(admin.call("one.secgroup.info", id), NO_EXISTS, "Error getting security group [" + id + "].");
        fails(admin.call("one.secgroup.delete", id), NO_EXISTS, "");
    }

    @Test
    void tenantsUseTheDefaultGroupAndOwnTheirs() {
        String alice = unique("sga");
        OneClient a = tenant(alice);
        OneClient b = tenant(unique("sgb"));
        int mine = ok(a.call("one.secgroup.allocate", "NAME = mine\nRULE = [ PROTOCOL = ALL, RULE_TYPE = INBOUND ]")).intValue();
        ok(a.call("one.secgroup.update", mine, "DESCRIPTION = x", 1));
        assertThat(xml(a.call("one.secgroup.info", 0)).text("NAME")).isEqualTo("default");
        fails(a.call("one.secgroup.update", 0, "A = 1", 1), AUTHORIZATION, "");
        fails(a.call("one.secgroup.delete", 0), AUTHORIZATION, "");
        fails(b.call("one.secgroup.info", mine), AUTHORIZATION, "");
        fails(b.call("one.secgroup.delete", mine), AUTHORIZATION, "");
        fails(b.call("one.secgroup.clone", mine, "stolen"), AUTHORIZATION, "");
        String visible = ok(b.call("one.secgrouppool.info", -2, -1, -1)).stringValue();
        assertThat(visible).contains("<NAME>default</NAME>").doesNotContain("<NAME>mine</NAME>");
        assertThat(ok(a.call("one.secgrouppool.info", -3, -1, -1)).stringValue()).contains("<NAME>mine</NAME>")
                .doesNotContain("<NAME>default</NAME>");
        fails(a.call("one.secgroup.chown", mine, 0, -1), AUTHORIZATION, "");
        ok(a.call("one.secgroup.delete", mine));
    }

    // ------------------------------------------------------------------ VM groups

    @Test
    void vmGroupRolesAndRules() {
        String name = unique("app");
        String t = "NAME = \"" + name + "\"\n"
                + "ROLE = [ NAME = web, POLICY = ANTI_AFFINED, HOST_ANTI_AFFINED = \"3,4\" ]\n"
                + "ROLE = [ NAME = db, POLICY = AFFINED, HOST_AFFINED = \"1\" ]\n"
                + "ROLE = [ NAME = cache, VMS = \"7\" ]\n"
                + "AFFINED = \"db, cache\"\nANTI_AFFINED = \"web, db\"\n";
        fails(admin.call("one.vmgroup.allocate", t), ALLOCATE, "Roles defined in AFFINED and ANTI_AFFINED rules: db");
        String good = t.replace("ANTI_AFFINED = \"web, db\"\n", "ANTI_AFFINED = \"web\"\n");
        int id = ok(admin.call("one.vmgroup.allocate", good)).intValue();
        XmlNode g = xml(admin.call("one.vmgroup.info", id));
        List<XmlNode> roles = g.child("ROLES").all("ROLE");
        assertThat(roles).extracting(r -> r.text("ID") + ":" + r.text("NAME")).containsExactly("0:web", "1:db", "2:cache");
        assertThat(roles.get(2).child("VMS")).as("VMS is a system attribute").isNull();
        assertThat(g.child("TEMPLATE").text("AFFINED")).isEqualTo("db, cache");

        fails(admin.call("one.vmgroup.allocate", "NAME = b1\nROLE = [ NAME = a ]\nAFFINED = \"a, zz\""), ALLOCATE,
                "Some roles used in AFFINED attribute (a, zz) are not defined");
        fails(admin.call("one.vmgroup.allocate", "NAME = b2\nROLE = [ NAME = a ]\nROLE = [ NAME = a ]"), ALLOCATE,
                "Role already exists");
        fails(admin.call("one.vmgroup.allocate", "NAME = b3\nROLE = [ POLICY = AFFINED ]"), ALLOCATE,
                "Missing NAME in VM group role");
        fails(admin.call("one.vmgroup.allocate", "NAME = b4\nROLE = [ NAME = a, POLICY = ANTI_AFFINED ]\nROLE = [ NAME = b ]\nAFFINED = \"a,b\""),
                ALLOCATE, "Role a is in an AFFINED rule but the role policy is ANTI_AFFINED");
        fails(admin.call("one.vmgroup.allocate", "NAME = b5\nROLE = [ NAME = a ]\nROLE = [ NAME = b ]\nAFFINED = \"a,b\"\nAFFINED = \"b, a\""),
                ALLOCATE, "Duplicated AFFINED rule (b, a) detected.");
        fails(admin.call("one.vmgroup.allocate", "NAME = b6\nROLE = [ NAME = a, HOST_AFFINED = \"one\" ]"), ALLOCATE,
                "HOST_AFFINED must be a comma-separated list of host IDs");
        fails(admin.call("one.vmgroup.allocate", "NAME = \"" + name + "\""), ALLOCATE, "NAME is already taken by VMGroup " + id);

        // role calls
        ok(admin.call("one.vmgroup.roleadd", id, "ROLE = [ NAME = queue, POLICY = AFFINED ]"));
        assertThat(xml(admin.call("one.vmgroup.info", id)).child("ROLES").all("ROLE")).hasSize(4);
        fails(admin.call("one.vmgroup.roleadd", id, "NAME = queue"), ACTION, "No ROLE attribute in template");
        fails(admin.call("one.vmgroup.roleadd", id, "ROLE = [ NAME = queue ]"), ACTION, "Role already exists");
        fails(admin.call("one.vmgroup.roleadd", id, "ROLE = [ NAME = x"), ACTION, "Parse error");
        ok(admin.call("one.vmgroup.roleupdate", id, 3, "ROLE = [ NAME = jobs, HOST_AFFINED = \"2,5\", VMS = \"9\" ]"));
        XmlNode jobs = xml(admin.call("one.vmgroup.info", id)).child("ROLES").all("ROLE").get(3);
        assertThat(jobs.text("NAME")).isEqualTo("jobs");
        assertThat(jobs.text("HOST_AFFINED")).isEqualTo("2,5");
        assertThat(jobs.text("POLICY")).isEqualTo("AFFINED");
        assertThat(jobs.child("VMS")).isNull();
        fails(admin.call("one.vmgroup.roleupdate", id, 3, "ROLE = [ NAME = web ]"), ACTION,
                "VMGroup " + id + " Role 3 can not update name, role with name web already exists");
        fails(admin.call("one.vmgroup.roleupdate", id, 1, "ROLE = [ NAME = database ]"), ACTION,
                "Some roles used in AFFINED attribute (db, cache) are not defined");
        fails(admin.call("one.vmgroup.roleupdate", id, 42, "ROLE = [ NAME = z ]"), ACTION, "VMGroup " + id + " doesn't have role 42");
        fails(admin.call("one.vmgroup.roledelete", id, 2), ACTION, "Some roles used in AFFINED attribute (db, cache) are not defined");
        fails(admin.call("one.vmgroup.roledelete", id, 42), ACTION, "Unable to delete role 42, the role doesn't exists");
        ok(admin.call("one.vmgroup.roledelete", id, 3));

        // update: rules re-checked, ROLE in the template ignored
        fails(admin.call("one.vmgroup.update", id, "ANTI_AFFINED = \"web, cache\"", 1), INTERNAL,
                "Cannot update template. Roles defined in AFFINED and ANTI_AFFINED rules: cache");
        ok(admin.call("one.vmgroup.update", id, "DESCRIPTION = tiers\nROLE = [ NAME = sneaky ]", 1));
        g = xml(admin.call("one.vmgroup.info", id));
        assertThat(g.child("ROLES").all("ROLE")).hasSize(3);
        assertThat(g.child("TEMPLATE").text("DESCRIPTION")).isEqualTo("tiers");
        assertThat(g.child("TEMPLATE").child("ROLE")).isNull();

        // shared calls: lock blocks manage, rename, chmod, pool
        ok(admin.call("one.vmgroup.lock", id, 2, false));
        assertThat(xml(admin.call("one.vmgroup.info", id)).child("LOCK").text("LOCKED")).isEqualTo("2");
        fails(admin.call("one.vmgroup.roleadd", id, "ROLE = [ NAME = more ]"), LOCKED, "locked");
        fails(admin.call("one.vmgroup.delete", id), LOCKED, "locked");
        ok(admin.call("one.vmgroup.unlock", id));
        ok(admin.call("one.vmgroup.rename", id, name + "_2"));
        ok(admin.call("one.vmgroup.chmod", id, -1, -1, -1, 1, 1, -1, -1, -1, -1));
        ok(admin.call("one.vmgroup.chown", id, -1, 0));
        assertThat(ok(admin.call("one.vmgrouppool.info", -2, id, id)).stringValue()).startsWith("<VM_GROUP_POOL><VM_GROUP>")
                .contains("<NAME>" + name + "_2</NAME>");
        ok(admin.call("one.vmgroup.delete", id));
        fails(admin.call("one.vmgroup.info", id), NO_EXISTS, "Error getting vm group [" + id + "].");
    }

    /** Nimbo's soft policies are role POLICY values, checked like the others. */
    @Test
    void softPoliciesAreCheckedAtAllocateAndRoleCalls() {
        String name = unique("soft");
        fails(admin.call("one.vmgroup.allocate", "NAME = \"" + name + "\"\nROLE = [ NAME = a, POLICY = SOFT_AFINED ]"),
                ALLOCATE, "POLICY SOFT_AFINED in role a is not one of AFFINED, ANTI_AFFINED, SOFT_AFFINED, SOFT_ANTI_AFFINED, NONE");
        fails(admin.call("one.vmgroup.allocate", "NAME = \"" + name + "\"\nROLE = [ NAME = a, POLICY = SOFT_ANTI_AFFINED ]\n"
                + "ROLE = [ NAME = b ]\nAFFINED = \"a, b\""), ALLOCATE,
                "Role a is in an AFFINED rule but the role policy is SOFT_ANTI_AFFINED");
        int id = ok(admin.call("one.vmgroup.allocate", "NAME = \"" + name + "\"\nROLE = [ NAME = a, POLICY = SOFT_AFFINED ]")).intValue();
        assertThat(xml(admin.call("one.vmgroup.info", id)).child("ROLES").child("ROLE").text("POLICY")).isEqualTo("SOFT_AFFINED");
        fails(admin.call("one.vmgroup.roleadd", id, "ROLE = [ NAME = b, POLICY = SOFTLY ]"), ACTION, "POLICY SOFTLY in role b");
        ok(admin.call("one.vmgroup.roleupdate", id, 0, "ROLE = [ POLICY = SOFT_ANTI_AFFINED ]"));
        ok(admin.call("one.vmgroup.delete", id));
    }

    /** VMs join their role's VMS at allocate and leave it when DONE, in the same transaction as the VM. */
    @Test
    void vmsJoinAndLeaveTheirRoles() {
        String name = unique("roles");
        int g = ok(admin.call("one.vmgroup.allocate", "NAME = \"" + name + "\"\nROLE = [ NAME = web ]\nROLE = [ NAME = db ]")).intValue();
        String vm = "CPU = 0.1\nMEMORY = 64\n";
        int a = ok(admin.call("one.vm.allocate", vm + "VMGROUP = [ VMGROUP_ID = " + g + ", ROLE = web ]", true)).intValue();
        int b = ok(admin.call("one.vm.allocate", vm + "VMGROUP = [ VMGROUP_NAME = \"" + name + "\", ROLE = web ]", true)).intValue();
        int c = ok(admin.call("one.vm.allocate", vm + "VMGROUP = [ VMGROUP_ID = " + g + ", ROLE = db ]", true)).intValue();
        List<XmlNode> roles = xml(admin.call("one.vmgroup.info", g)).child("ROLES").all("ROLE");
        assertThat(roles.get(0).text("VMS")).isEqualTo(a + "," + b);
        assertThat(roles.get(1).text("VMS")).isEqualTo(String.valueOf(c));
        assertThat(xml(admin.call("one.vm.info", b)).child("TEMPLATE").child("VMGROUP").text("VMGROUP_ID"))
                .as("a group named is resolved to its ID").isEqualTo(String.valueOf(g));

        // unknown group or role: the allocation fails and no VM is left in any role
        int before = ok(admin.call("one.vmpool.info", -2, -1, -1, -1)).stringValue().split("<VM>", -1).length;
        fails(admin.call("one.vm.allocate", vm + "VMGROUP = [ VMGROUP_ID = " + g + ", ROLE = cache ]"), ALLOCATE,
                "Role does not exist in VM Group");
        fails(admin.call("one.vm.allocate", vm + "VMGROUP = [ VMGROUP_ID = 99999, ROLE = web ]"), ALLOCATE,
                "Cannot find VM Group to associate the VM");
        fails(admin.call("one.vm.allocate", vm + "VMGROUP = [ VMGROUP_ID = " + g + " ]"), ALLOCATE,
                "Missing role name in VM Group definition");
        assertThat(ok(admin.call("one.vmpool.info", -2, -1, -1, -1)).stringValue().split("<VM>", -1).length).isEqualTo(before);

        // USE on the group is needed
        OneClient t = tenant(unique("vgu"));
        fails(t.call("one.vm.allocate", vm + "VMGROUP = [ VMGROUP_ID = " + g + ", ROLE = web ]"), AUTHORIZATION, "");
        ok(admin.call("one.vmgroup.chmod", g, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        int d = ok(t.call("one.vm.allocate", vm + "VMGROUP = [ VMGROUP_ID = " + g + ", ROLE = db ]", true)).intValue();
        assertThat(xml(admin.call("one.vmgroup.info", g)).child("ROLES").all("ROLE").get(1).text("VMS")).isEqualTo(c + "," + d);

        // a group with VMs cannot be deleted, nor its roles removed; VMs that are DONE leave their roles
        fails(admin.call("one.vmgroup.delete", g), ACTION, "VM Group has 4 VMs");
        for (int id : List.of(a, c, d)) {
            ok(admin.call("one.vm.action", "terminate-hard", id));
        }
        roles = xml(admin.call("one.vmgroup.info", g)).child("ROLES").all("ROLE");
        assertThat(roles.get(0).text("VMS")).isEqualTo(String.valueOf(b));
        assertThat(roles.get(1).child("VMS")).isNull();
        fails(admin.call("one.vmgroup.delete", g), ACTION, "VM Group has 1 VMs");
        ok(admin.call("one.vm.action", "terminate-hard", b));
        ok(admin.call("one.vmgroup.delete", g));
    }

    @Test
    void tenantsManageOnlyTheirVmGroups() {
        OneClient a = tenant(unique("vga"));
        OneClient b = tenant(unique("vgb"));
        int id = ok(a.call("one.vmgroup.allocate", "NAME = mine\nROLE = [ NAME = r ]")).intValue();
        fails(b.call("one.vmgroup.info", id), AUTHORIZATION, "");
        fails(b.call("one.vmgroup.roleadd", id, "ROLE = [ NAME = x ]"), AUTHORIZATION, "");
        ok(a.call("one.vmgroup.chmod", id, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        assertThat(xml(b.call("one.vmgroup.info", id)).text("NAME")).isEqualTo("mine");
        fails(b.call("one.vmgroup.update", id, "A = 1", 1), AUTHORIZATION, "");
        ok(a.call("one.vmgroup.roleadd", id, "ROLE = [ NAME = x ]"));
        ok(a.call("one.vmgroup.delete", id));
    }

    // ------------------------------------------------------------------ VDCs

    @Test
    void vdcGroupsAndResourcesAddAndRemoveAclRules() {
        int gid = ok(admin.call("one.group.allocate", unique("tenantgrp"))).intValue();
        // a new group joins the default VDC, and gets its rules
        assertThat(xml(admin.call("one.vdc.info", 0)).child("GROUPS").all("ID").stream().map(XmlNode::text))
                .contains(String.valueOf(gid));
        assertThat(acls()).contains("<STRING>@" + gid + " HOST/* MANAGE #0</STRING>");
        ok(admin.call("one.vdc.delgroup", 0, gid));
        assertThat(acls()).doesNotContain("<STRING>@" + gid + " ");

        String name = unique("vdc");
        int vdc = ok(admin.call("one.vdc.allocate", "NAME = \"" + name + "\"\nDESCRIPTION = d")).intValue();
        assertThat(vdc).isGreaterThanOrEqualTo(100);
        fails(admin.call("one.vdc.allocate", "NAME = \"" + name + "\""), ALLOCATE, "NAME is already taken by Vdc " + vdc);
        ok(admin.call("one.vdc.addcluster", vdc, 0, 0));
        ok(admin.call("one.vdc.adddatastore", vdc, 0, 1));
        ok(admin.call("one.vdc.addgroup", vdc, gid));
        String rules = acls();
        assertThat(rules).contains("<STRING>@" + gid + " HOST/%0 MANAGE #0</STRING>",
                "<STRING>@" + gid + " NET/%0 USE #0</STRING>", "<STRING>@" + gid + " DATASTORE/%0 USE #0</STRING>",
                "<STRING>@" + gid + " DATASTORE/#1 USE #0</STRING>");
        ok(admin.call("one.vdc.addvnet", vdc, 0, -10));
        assertThat(acls()).contains("<STRING>@" + gid + " NET/* USE #0</STRING>");

        fails(admin.call("one.vdc.adddatastore", vdc, 0, 1), INTERNAL, "DATASTORE 1 from Zone 0 is already assigned to the VDC");
        fails(admin.call("one.vdc.addgroup", vdc, gid), INTERNAL, "Group " + gid + " is already assigned to the VDC " + vdc);
        fails(admin.call("one.vdc.addhost", vdc, 0, 99999), NO_EXISTS, "Error getting host [99999].");
        fails(admin.call("one.vdc.addcluster", vdc, 0, 99999), NO_EXISTS, "Error getting cluster [99999].");
        fails(admin.call("one.vdc.addcluster", vdc, 42, 0), NO_EXISTS, "Error getting zone [42].");
        fails(admin.call("one.vdc.addgroup", vdc, 99999), NO_EXISTS, "Error getting group [99999].");
        fails(admin.call("one.vdc.addgroup", 99999, gid), NO_EXISTS, "Error getting VDC [99999].");
        fails(admin.call("one.vdc.deldatastore", vdc, 0, 2), INTERNAL, "DATASTORE 2 from Zone 0 is not assigned to the VDC");
        fails(admin.call("one.vdc.delgroup", vdc, 99998), INTERNAL, "Group 99998 is not assigned to the VDC " + vdc);
        ok(admin.call("one.vdc.addhost", vdc, 0, -10));
        assertThat(acls()).contains("<STRING>@" + gid + " HOST/* MANAGE #0</STRING>");
        ok(admin.call("one.vdc.delhost", vdc, 0, -10));

        XmlNode v = xml(admin.call("one.vdc.info", vdc));
        assertThat(v.child("DATASTORES").child("DATASTORE").text("DATASTORE_ID")).isEqualTo("1");
        assertThat(v.child("VNETS").child("VNET").text("VNET_ID")).isEqualTo("-10");
        assertThat(v.child("HOSTS").children()).isEmpty();

        ok(admin.call("one.vdc.delcluster", vdc, 0, 0));
        assertThat(acls()).doesNotContain("@" + gid + " HOST/%0 MANAGE #0").contains("@" + gid + " DATASTORE/#1 USE #0");
        ok(admin.call("one.vdc.delgroup", vdc, gid));
        assertThat(acls()).doesNotContain("@" + gid + " DATASTORE/#1").doesNotContain("@" + gid + " NET/* USE #0");
        ok(admin.call("one.vdc.addgroup", vdc, gid));
        assertThat(acls()).contains("@" + gid + " DATASTORE/#1 USE #0");

        // update, rename, pool
        ok(admin.call("one.vdc.update", vdc, "EXTRA = 1", 1));
        assertThat(xml(admin.call("one.vdc.info", vdc)).child("TEMPLATE").text("DESCRIPTION")).isEqualTo("d");
        ok(admin.call("one.vdc.rename", vdc, name + "_r"));
        fails(admin.call("one.vdc.rename", vdc, "default"), ACTION, "NAME is already taken by VDC 0");
        assertThat(ok(admin.call("one.vdcpool.info")).stringValue()).contains("<NAME>" + name + "_r</NAME>");

        // deleting: system VDCs stay; a user VDC takes its rules with it
        fails(admin.call("one.vdc.delete", 0), ACTION, "Cannot delete VDC. System VDCs (ID < 100) cannot be deleted.");
        ok(admin.call("one.vdc.delete", vdc));
        assertThat(acls()).doesNotContain("@" + gid + " DATASTORE/#1");
        fails(admin.call("one.vdc.info", vdc), NO_EXISTS, "Error getting VDC [" + vdc + "].");

        // deleting the group takes it out of the default VDC
        ok(admin.call("one.vdc.addgroup", 0, gid));
        assertThat(acls()).contains("<STRING>@" + gid + " NET/* USE #0</STRING>");
        ok(admin.call("one.group.delete", gid));
        assertThat(xml(admin.call("one.vdc.info", 0)).child("GROUPS").all("ID").stream().map(XmlNode::text))
                .doesNotContain(String.valueOf(gid));
        assertThat(acls()).doesNotContain("<STRING>@" + gid + " ");
    }

    @Test
    void deletedDatastoresAndNetworksLeaveVdcsWithTheirRules() {
        int gid = ok(admin.call("one.group.allocate", unique("vdcclean"))).intValue();
        int vdc = ok(admin.call("one.vdc.allocate", "NAME = \"" + unique("vdcclean") + "\"")).intValue();
        ok(admin.call("one.vdc.addgroup", vdc, gid));
        int ds = ok(admin.call("one.datastore.allocate", "NAME=" + unique("vdcds") + "\nDS_MAD=dummy\nTM_MAD=dummy", -1)).intValue();
        int vn = ok(admin.call("one.vn.allocate", "NAME=" + unique("vdcnet") + "\nVN_MAD=dummy\nBRIDGE=br0\n"
                + "AR=[TYPE=IP4, IP=10.9.0.1, SIZE=4]", -1)).intValue();
        ok(admin.call("one.vdc.adddatastore", vdc, 0, ds));
        ok(admin.call("one.vdc.addvnet", vdc, 0, vn));
        assertThat(acls()).contains("<STRING>@" + gid + " DATASTORE/#" + ds + " USE #0</STRING>",
                "<STRING>@" + gid + " NET/#" + vn + " USE #0</STRING>");

        ok(admin.call("one.datastore.delete", ds));
        ok(admin.call("one.vn.delete", vn));
        String info = ok(admin.call("one.vdc.info", vdc)).stringValue();
        assertThat(info).contains("<DATASTORES></DATASTORES>").contains("<VNETS></VNETS>");
        assertThat(acls()).doesNotContain("DATASTORE/#" + ds + " ").doesNotContain("NET/#" + vn + " ");
    }

    @Test
    void vdcWithARealHost() {
        OneResponse allocated = admin.call("one.host.allocate", unique("vdchost"), "dummy", "dummy", -1);
        Assumptions.assumeTrue(allocated.ok() || !allocated.message().contains("not found"), "hosts are not served yet");
        int host = ok(allocated).intValue();
        int gid = ok(admin.call("one.group.allocate", unique("hostgrp"))).intValue();
        int vdc = ok(admin.call("one.vdc.allocate", "NAME = " + unique("hv"))).intValue();
        ok(admin.call("one.vdc.addgroup", vdc, gid));
        ok(admin.call("one.vdc.addhost", vdc, 0, host));
        assertThat(acls()).contains("<STRING>@" + gid + " HOST/#" + host + " MANAGE #0</STRING>");
        ok(admin.call("one.vdc.delhost", vdc, 0, host));
        assertThat(acls()).doesNotContain("@" + gid + " HOST/#" + host + " ");
        ok(admin.call("one.vdc.delete", vdc));
    }

    @Test
    void tenantsCannotManageVdcs() {
        OneClient t = tenant(unique("vdct"));
        fails(t.call("one.vdc.allocate", "NAME = mine"), AUTHORIZATION, "");
        fails(t.call("one.vdc.info", 0), AUTHORIZATION, "");
        fails(t.call("one.vdc.addgroup", 0, 1), AUTHORIZATION, "");
        fails(t.call("one.vdc.update", 0, "A = 1", 1), AUTHORIZATION, "");
        assertThat(ok(t.call("one.vdcpool.info")).stringValue()).isEqualTo("<VDC_POOL></VDC_POOL>");
    }

    // ------------------------------------------------------------------ hooks

    /** A script in the hooks directory that copies its arguments (or stdin) to the file named first. */
    private void script(String name, String body) throws IOException {
        Path p = hooksDir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String decode(String b64) {
        return new String(Base64.getMimeDecoder().decode(b64.strip()), StandardCharsets.UTF_8);
    }

    private XmlNode awaitRecord(int hookId, int executionId) {
        XmlNode[] found = new XmlNode[1];
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
            XmlNode log = xml(admin.call("one.hook.info", hookId)).child("HOOKLOG");
            for (XmlNode r : log.all("HOOK_EXECUTION_RECORD")) {
                if (r.text("EXECUTION_ID").equals(String.valueOf(executionId))) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    @Test
    void apiHookRunsRealScriptWithApiOnArgvAndStdin() throws Exception {
        script("argv.sh", "out=\"$1\"; shift; echo \"seen $#\"; printf '%s' \"$1\" > \"$out.tmp\" && mv \"$out.tmp\" \"$out\"");
        script("stdin.sh", "out=\"$1\"; cat > \"$out.tmp\" && mv \"$out.tmp\" \"$out\"");
        Path argvOut = hooksDir.resolve(unique("argv") + ".out");
        Path stdinOut = hooksDir.resolve(unique("stdin") + ".out");
        int argvHook = ok(admin.call("one.hook.allocate", "NAME = " + unique("h-argv") + "\nTYPE = api\nCOMMAND = argv.sh\n"
                + "ARGUMENTS = \"" + argvOut + " $API\"\nCALL = \"one.document.allocate\"")).intValue();
        int stdinHook = ok(admin.call("one.hook.allocate", "NAME = " + unique("h-stdin") + "\nTYPE = API\nCOMMAND = \""
                + hooksDir.resolve("stdin.sh") + " " + stdinOut + "\"\nARGUMENTS = $API\nARGUMENTS_STDIN = yes\n"
                + "CALL = \"one.document.allocate\"")).intValue();

        int doc = ok(admin.call("one.document.allocate", "NAME = \"" + unique("d") + "\"\nBODY = \"<b>&x\"", 5)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(argvOut) && Files.exists(stdinOut));

        XmlNode info = XmlNode.parse(decode(Files.readString(argvOut)));
        assertThat(info.name()).isEqualTo("CALL_INFO");
        assertThat(info.text("RESULT")).isEqualTo("1");
        List<XmlNode> params = info.child("PARAMETERS").all("PARAMETER");
        assertThat(params.get(0).text("VALUE")).as("session hidden").isEqualTo("****");
        assertThat(params.get(1).text("TYPE")).isEqualTo("IN");
        assertThat(params.get(1).text("VALUE")).contains("BODY = \"<b>&x\"");
        assertThat(params.get(2).text("VALUE")).isEqualTo("5");
        assertThat(params).anySatisfy(p -> {
            assertThat(p.text("TYPE")).isEqualTo("OUT");
            assertThat(p.text("POSITION")).isEqualTo("2");
            assertThat(p.text("VALUE")).isEqualTo(String.valueOf(doc));
        });
        assertThat(info.child("EXTRA").child("DOCUMENT").text("ID")).isEqualTo(String.valueOf(doc));
        assertThat(decode(Files.readString(stdinOut))).isEqualTo(decode(Files.readString(argvOut)));

        XmlNode record = awaitRecord(argvHook, 0);
        assertThat(record.text("HOOK_ID")).isEqualTo(String.valueOf(argvHook));
        XmlNode result = record.child("EXECUTION_RESULT");
        assertThat(result.text("CODE")).isEqualTo("0");
        assertThat(decode(result.text("STDOUT"))).isEqualTo("seen 1\n");
        assertThat(result.text("COMMAND")).startsWith(hooksDir.toAbsolutePath() + "/argv.sh " + argvOut + " ");
        assertThat(record.text("ARGUMENTS")).startsWith(argvOut + " ");
        assertThat(awaitRecord(stdinHook, 0).child("EXECUTION_RESULT").text("COMMAND"))
                .isEqualTo(hooksDir.resolve("stdin.sh") + " " + stdinOut);

        // failed calls fire the hook too, with RESULT 0 and the error
        Files.delete(argvOut);
        fails(admin.call("one.document.allocate", "NAME = [", 5), XML_RPC_API, "Parse error");
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(argvOut));
        XmlNode failed = XmlNode.parse(decode(Files.readString(argvOut)));
        assertThat(failed.text("RESULT")).isEqualTo("0");
        assertThat(failed.child("PARAMETERS").all("PARAMETER")).anySatisfy(p -> {
            assertThat(p.text("POSITION")).isEqualTo("3");
            assertThat(p.text("VALUE")).isEqualTo(String.valueOf(XML_RPC_API));
        });

        // the pool lists hooks without their log; deleting a hook stops it
        String pool = ok(admin.call("one.hookpool.info", -2, -1, -1)).stringValue();
        assertThat(pool).startsWith("<HOOK_POOL>").contains("<TYPE>api</TYPE>").doesNotContain("HOOKLOG");
        ok(admin.call("one.hook.delete", argvHook));
        ok(admin.call("one.hook.delete", stdinHook));
        Files.delete(argvOut);
        ok(admin.call("one.document.allocate", "NAME = \"" + unique("d") + "\"", 5));
        Thread.sleep(500);
        assertThat(argvOut).doesNotExist();
    }

    @Test
    void failingHookIsLoggedAndRetried() throws Exception {
        Path marker = hooksDir.resolve(unique("marker"));
        script("flaky.sh", "if [ -f \"$1\" ]; then echo fixed; exit 0; else echo \"boom $2\" >&2; exit 3; fi");
        String call = "one.vdc.update";
        int hook = ok(admin.call("one.hook.allocate", "NAME = " + unique("flaky") + "\nTYPE = api\nCOMMAND = flaky.sh\n"
                + "ARGUMENTS = \"" + marker + " word\"\nCALL = \"" + call + "\"")).intValue();
        ok(admin.call(call, 0, "NOTE = hooked", 1));

        XmlNode first = awaitRecord(hook, 0);
        assertThat(first.child("EXECUTION_RESULT").text("CODE")).isEqualTo("3");
        assertThat(decode(first.child("EXECUTION_RESULT").text("STDERR"))).isEqualTo("boom word\n");
        assertThat(first.child("RETRY")).isNull();
        String failures = ok(admin.call("one.hooklog.info", -1, -1, hook, -1)).stringValue();
        assertThat(failures).startsWith("<HOOKLOG>").contains("<EXECUTION_ID>0</EXECUTION_ID>");
        assertThat(ok(admin.call("one.hooklog.info", -1, -1, hook, 1)).stringValue()).isEqualTo("<HOOKLOG></HOOKLOG>");

        Files.writeString(marker, "");
        ok(admin.call("one.hook.retry", hook, 0));
        XmlNode second = awaitRecord(hook, 1);
        assertThat(second.child("EXECUTION_RESULT").text("CODE")).isEqualTo("0");
        assertThat(decode(second.child("EXECUTION_RESULT").text("STDOUT"))).isEqualTo("fixed\n");
        assertThat(second.text("RETRY")).isEqualTo("yes");
        assertThat(second.text("ARGUMENTS")).isEqualTo(first.text("ARGUMENTS"));
        assertThat(ok(admin.call("one.hooklog.info", -1, -1, hook, 1)).stringValue()).contains("<EXECUTION_ID>1</EXECUTION_ID>")
                .doesNotContain("<EXECUTION_ID>0</EXECUTION_ID>");
        assertThat(ok(admin.call("one.hooklog.info", Long.MAX_VALUE / 2, -1, -1, 0)).stringValue()).isEqualTo("<HOOKLOG></HOOKLOG>");
        fails(admin.call("one.hook.retry", hook, 77), INTERNAL, "no execution 77");
        fails(admin.call("one.hook.retry", 99999, 0), NO_EXISTS, "Error getting hook [99999].");
        ok(admin.call("one.hook.delete", hook));
    }

    @Test
    void hookTimeoutAndMissingCommand() {
        int slow = ok(admin.call("one.hook.allocate", "NAME = " + unique("slow") + "\nTYPE = api\nCOMMAND = /bin/sleep\n"
                + "ARGUMENTS = 20\nTIMEOUT = 1\nCALL = \"one.vmgroup.allocate\"")).intValue();
        int missing = ok(admin.call("one.hook.allocate", "NAME = " + unique("nope") + "\nTYPE = api\nCOMMAND = no-such-hook.sh\n"
                + "CALL = \"one.vmgroup.allocate\"")).intValue();
        ok(admin.call("one.vmgroup.allocate", "NAME = " + unique("trigger")));
        XmlNode timedOut = awaitRecord(slow, 0).child("EXECUTION_RESULT");
        assertThat(timedOut.text("CODE")).isEqualTo("255");
        assertThat(decode(timedOut.text("STDERR"))).isEqualTo("Timeout executing /bin/sleep 20");
        XmlNode notFound = awaitRecord(missing, 0).child("EXECUTION_RESULT");
        assertThat(notFound.text("CODE")).isEqualTo("255");
        assertThat(decode(notFound.text("STDERR"))).startsWith("Internal error").contains("no-such-hook.sh");
        ok(admin.call("one.hook.delete", slow));
        ok(admin.call("one.hook.delete", missing));
    }

    @Test
    void hookDefinitionsAreCheckedAndManaged() {
        String base = "NAME = " + unique("def") + "\nCOMMAND = /bin/true\n";
        fails(admin.call("one.hook.allocate", base + "TYPE = sometimes"), ALLOCATE, "Invalid Hook type: sometimes");
        fails(admin.call("one.hook.allocate", "TYPE = api\nCOMMAND = /bin/true\nCALL = one.vdc.update"), ALLOCATE,
                "No NAME in template for Hook.");
        fails(admin.call("one.hook.allocate", "NAME = " + unique("n") + "\nTYPE = api\nCALL = one.vdc.update"), ALLOCATE,
                "No COMMAND in template for Hook.");
        fails(admin.call("one.hook.allocate", base + "TYPE = api\nCALL = one.nothing.here"), ALLOCATE,
                "API call does not exist or is not supported: one.nothing.here");
        fails(admin.call("one.hook.allocate", base + "TYPE = api\nCALL = one.vdc.info"), ALLOCATE,
                "API call does not exist or is not supported: one.vdc.info");
        fails(admin.call("one.hook.allocate", base + "TYPE = api\nCALL = one.vdc.update\nREMOTE = yes"), ALLOCATE,
                "REMOTE hooks are not supported");
        fails(admin.call("one.hook.allocate", base + "TYPE = state\nSTATE = ERROR"), ALLOCATE,
                "RESOURCE attribute is required for STATE hooks.");
        fails(admin.call("one.hook.allocate", base + "TYPE = state\nRESOURCE = CLUSTER\nSTATE = ERROR"), ALLOCATE,
                "Invalid resource type: CLUSTER");
        fails(admin.call("one.hook.allocate", base + "TYPE = state\nRESOURCE = HOST\nSTATE = ON_FIRE"), ALLOCATE,
                "Invalid STATE: ON_FIRE");
        fails(admin.call("one.hook.allocate", base + "TYPE = state\nRESOURCE = IMAGE"), ALLOCATE,
                "Hook STATE attribute not found or invalid");
        fails(admin.call("one.hook.allocate", base + "TYPE = state\nRESOURCE = VM\nON = SOMETIME"), ALLOCATE,
                "Unkown state condition: SOMETIME");

        String name = unique("managed");
        int id = ok(admin.call("one.hook.allocate", "NAME = " + name + "\nTYPE = state\nCOMMAND = /bin/true\n"
                + "RESOURCE = VM\nON = RUNNING")).intValue();
        XmlNode h = xml(admin.call("one.hook.info", id));
        assertThat(h.text("TYPE")).isEqualTo("state");
        assertThat(h.child("TEMPLATE").text("STATE")).isEqualTo("ACTIVE");
        assertThat(h.child("TEMPLATE").text("LCM_STATE")).isEqualTo("RUNNING");
        assertThat(h.child("TEMPLATE").text("REMOTE")).isEqualTo("NO");
        assertThat(h.child("HOOKLOG")).isNotNull();
        fails(admin.call("one.hook.allocate", "NAME = " + name + "\nTYPE = api\nCOMMAND = x\nCALL = one.vdc.update"),
                ALLOCATE, "NAME is already taken by Hook " + id);

        fails(admin.call("one.hook.update", id, "COMMAND = \"\"", 1), INTERNAL,
                "Cannot update template. The COMMAND attribute is not defined.");
        fails(admin.call("one.hook.update", id, "LCM_STATE = NAPPING", 1), INTERNAL,
                "The LCM_STATE attribute is not defined or it's invalid.");
        fails(admin.call("one.hook.update", id, "REMOTE = YES", 1), INTERNAL, "REMOTE hooks are not supported");
        ok(admin.call("one.hook.update", id, "LCM_STATE = PROLOG\nTIMEOUT = 5", 1));
        assertThat(xml(admin.call("one.hook.info", id)).child("TEMPLATE").text("LCM_STATE")).isEqualTo("PROLOG");

        ok(admin.call("one.hook.lock", id, 2, false));
        fails(admin.call("one.hook.update", id, "TIMEOUT = 6", 1), LOCKED, "locked");
        fails(admin.call("one.hook.lock", id, 1, true), ACTION, "already locked");
        ok(admin.call("one.hook.unlock", id));
        ok(admin.call("one.hook.rename", id, name + "_r"));
        fails(admin.call("one.hook.rename", id, "bad/name"), ACTION, "Invalid NAME");
        assertThat(ok(admin.call("one.hookpool.info", -2, id, id)).stringValue()).contains("<NAME>" + name + "_r</NAME>");

        OneClient t = tenant(unique("hookt"));
        fails(t.call("one.hook.allocate", "NAME = mine\nTYPE = api\nCOMMAND = /bin/true\nCALL = one.vdc.update"),
                AUTHORIZATION, "");
        fails(t.call("one.hook.info", id), AUTHORIZATION, "");
        fails(t.call("one.hook.delete", id), AUTHORIZATION, "");
        fails(t.call("one.hooklog.info", -1, -1, -1, 0), AUTHORIZATION, "not authorized");
        assertThat(ok(t.call("one.hookpool.info", -2, -1, -1)).stringValue()).isEqualTo("<HOOK_POOL></HOOK_POOL>");

        ok(admin.call("one.hook.delete", id));
        fails(admin.call("one.hook.info", id), NO_EXISTS, "Error getting hook [" + id + "].");
    }

    /** A second daemon of its own: everything of these families, hook log included, survives a restart. */
    @Test
    void objectsAndHookLogSurviveARestart() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-sg-restart-");
        NimbodProcess first = NimbodProcess.start(dir, null);
        int sg;
        int vg;
        int vdc;
        int hook;
        String before;
        try (OneClient c = first.client()) {
            sg = ok(c.call("one.secgroup.allocate", "NAME = keep\nRULE = [ PROTOCOL = UDP, RULE_TYPE = INBOUND, RANGE = 53 ]")).intValue();
            vg = ok(c.call("one.vmgroup.allocate", "NAME = keep\nROLE = [ NAME = a ]\nROLE = [ NAME = b ]\nANTI_AFFINED = \"a,b\"")).intValue();
            vdc = ok(c.call("one.vdc.allocate", "NAME = keep")).intValue();
            ok(c.call("one.vdc.addgroup", vdc, 1));
            ok(c.call("one.vdc.adddatastore", vdc, 0, 2));
            hook = ok(c.call("one.hook.allocate", "NAME = keep\nTYPE = api\nCOMMAND = /bin/echo\nARGUMENTS = hello\n"
                    + "CALL = one.vmgroup.update")).intValue();
            ok(c.call("one.hook.lock", hook, 3, false));
            ok(c.call("one.vmgroup.update", vg, "A = 1", 1));
            await().atMost(Duration.ofSeconds(15)).until(() ->
                    c.call("one.hook.info", hook).stringValue().contains("<HOOK_EXECUTION_RECORD>"));
            before = ok(c.call("one.secgroup.info", sg)).stringValue() + ok(c.call("one.vmgroup.info", vg)).stringValue()
                    + ok(c.call("one.vdc.info", vdc)).stringValue() + ok(c.call("one.hook.info", hook)).stringValue()
                    + ok(c.call("one.acl.info")).stringValue();
        }
        assertThat(first.stop()).isZero();
        NimbodProcess second = NimbodProcess.start(dir, null);
        try (OneClient c = second.client()) {
            String after = ok(c.call("one.secgroup.info", sg)).stringValue() + ok(c.call("one.vmgroup.info", vg)).stringValue()
                    + ok(c.call("one.vdc.info", vdc)).stringValue() + ok(c.call("one.hook.info", hook)).stringValue()
                    + ok(c.call("one.acl.info")).stringValue();
            assertThat(after).isEqualTo(before);
            assertThat(after).contains("<STDOUT>" + Base64.getEncoder().encodeToString("hello\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(ok(c.call("one.secgroup.allocate", "NAME = next")).intValue()).isEqualTo(sg + 1);
        } finally {
            assertThat(second.stop()).isZero();
        }
    }

    @Test
    void stateHookFiresWhenAHostIsDisabled() throws Exception {
        String hostName = unique("node");
        OneResponse allocated = admin.call("one.host.allocate", hostName, "dummy", "dummy", -1);
        Assumptions.assumeTrue(allocated.ok() || !allocated.message().contains("not found"), "hosts are not served yet");
        int host = ok(allocated).intValue();
        Path out = hooksDir.resolve(unique("state") + ".out");
        script("state.sh", "out=\"$1\"; printf '%s' \"$2\" > \"$out.tmp\" && mv \"$out.tmp\" \"$out\"");
        int hook = ok(admin.call("one.hook.allocate", "NAME = " + unique("host-off") + "\nTYPE = state\nCOMMAND = state.sh\n"
                + "ARGUMENTS = \"" + out + " $TEMPLATE\"\nRESOURCE = HOST\nSTATE = disabled")).intValue();
        assertThat(xml(admin.call("one.hook.info", hook)).child("TEMPLATE").text("STATE")).isEqualTo("DISABLED");

        ok(admin.call("one.host.status", host, 1));
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(out));
        XmlNode doc = XmlNode.parse(decode(Files.readString(out)));
        assertThat(doc.name()).isEqualTo("HOST");
        assertThat(doc.text("ID")).isEqualTo(String.valueOf(host));
        assertThat(doc.text("STATE")).isEqualTo("4");
        assertThat(awaitRecord(hook, 0).child("EXECUTION_RESULT").text("CODE")).isEqualTo("0");

        // staying disabled (an update) is no transition; disabling again after enabling is
        Files.delete(out);
        ok(admin.call("one.host.update", host, "NOTE = x", 1));
        Thread.sleep(300);
        assertThat(out).doesNotExist();
        ok(admin.call("one.host.status", host, 0));
        ok(admin.call("one.host.status", host, 1));
        awaitRecord(hook, 1);
        ok(admin.call("one.hook.delete", hook));
    }
}
