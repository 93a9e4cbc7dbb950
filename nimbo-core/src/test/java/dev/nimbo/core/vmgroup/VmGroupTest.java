package dev.nimbo.core.vmgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class VmGroupTest {

    static VmGroup group(String template) {
        return VmGroup.create(7, "g", 0, 0, "oneadmin", "oneadmin", new Permissions(0600), Template.parse(template));
    }

    static VectorAttribute role(String body) {
        return Template.parse("ROLE = [ " + body + " ]").vectors("ROLE").get(0);
    }

    static final String TIERS = """
            ROLE = [ NAME = web, POLICY = ANTI_AFFINED, HOST_ANTI_AFFINED = "3, 4" ]
            ROLE = [ NAME = app ]
            ROLE = [ NAME = db, POLICY = AFFINED, HOST_AFFINED = "1,2" ]
            ROLE = [ NAME = cache ]
            ROLE = [ NAME = queue ]
            AFFINED = "app, db"
            AFFINED = "db,cache"
            ANTI_AFFINED = "web, queue"
            """;

    @Test
    void rolesGetIdsAndLoseTheirVms() {
        VmGroup g = group("ROLE = [ NAME = a, VMS = \"1,2\" ]\nROLE = [ NAME = b ]\nDESCRIPTION = x");
        assertThat(g.roles()).extracting(VmGroupRole::id).containsExactly(0, 1);
        assertThat(g.role("a").vms()).isEmpty();
        assertThat(g.template().get("DESCRIPTION")).isEqualTo("x");
        assertThat(g.template().all("ROLE")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ROLE = [ POLICY = AFFINED ] | Missing NAME in VM group role",
        "ROLE = [ NAME = a ]\\nROLE = [ NAME = a ] | Role already exists",
        "ROLE = [ NAME = a ]\\nAFFINED = \"a, b\" | Some roles used in AFFINED attribute (a, b) are not defined",
        "ROLE = [ NAME = a ]\\nANTI_AFFINED = \"a,\" | Some roles used in ANTI_AFFINED attribute (a,) are not defined",
        "ROLE = [ NAME = a ]\\nROLE = [ NAME = b ]\\nAFFINED = \"a,b\"\\nAFFINED = \"b,a\" | Duplicated AFFINED rule (b,a) detected.",
        "ROLE = [ NAME = a, POLICY = anti_affined ]\\nROLE = [ NAME = b ]\\nAFFINED = \"a,b\" | Role a is in an AFFINED rule but the role policy is ANTI_AFFINED",
        "ROLE = [ NAME = a ]\\nROLE = [ NAME = b ]\\nROLE = [ NAME = c ]\\nAFFINED = \"a,b\"\\nANTI_AFFINED = \"b,c\"\\nANTI_AFFINED = \"c,a\" | Roles defined in AFFINED and ANTI_AFFINED rules: a b",
        "ROLE = [ NAME = a, HOST_ANTI_AFFINED = \"1,x\" ] | HOST_ANTI_AFFINED must be a comma-separated list of host IDs, got '1,x' in role a",
        "ROLE = [ NAME = a, POLICY = soft_anti_affined ]\\nROLE = [ NAME = b ]\\nAFFINED = \"a,b\" | Role a is in an AFFINED rule but the role policy is SOFT_ANTI_AFFINED",
        "ROLE = [ NAME = a, POLICY = SOFT_AFINED ] | POLICY SOFT_AFINED in role a is not one of AFFINED, ANTI_AFFINED, SOFT_AFFINED, SOFT_ANTI_AFFINED, NONE",
    })
    void inconsistentGroupsAreRefused(String template, String message) {
        assertThatThrownBy(() -> group(template.replace("\\n", "\n"))).isInstanceOf(VmGroupException.class)
                .hasMessage(message);
    }

    @Test
    void tooManyRoles() {
        StringBuilder t = new StringBuilder();
        for (int i = 0; i <= VmGroup.MAX_ROLES; i++) {
            t.append("ROLE = [ NAME = r").append(i).append(" ]\n");
        }
        assertThatThrownBy(() -> group(t.toString())).hasMessage("Maximum number of roles in a VM Group reached");
    }

    @Test
    void constraintsForTheScheduler() {
        VmGroup g = group(TIERS).withVm("db", 10, true).withVm("cache", 11, true).withVm("queue", 12, true)
                .withVm("web", 13, true).withVm("web", 14, true);
        RoleConstraints app = g.constraintsFor("app");
        assertThat(app.policy()).isEqualTo(VmGroupPolicy.NONE);
        assertThat(app.affinedRoles()).as("app-db and db-cache make app-cache too").containsExactly("cache", "db");
        assertThat(app.affinedVms()).containsExactly(10, 11);
        assertThat(app.antiAffinedRoles()).isEmpty();

        RoleConstraints web = g.constraintsFor("web");
        assertThat(web.policy()).isEqualTo(VmGroupPolicy.ANTI_AFFINED);
        assertThat(web.roleVms()).containsExactly(13, 14);
        assertThat(web.hostAntiAffined()).containsExactly(3, 4);
        assertThat(web.hostAffined()).isEmpty();
        assertThat(web.antiAffinedRoles()).containsExactly("queue");
        assertThat(web.antiAffinedVms()).containsExactly(12);

        RoleConstraints db = g.constraintsFor("db");
        assertThat(db.groupId()).isEqualTo(7);
        assertThat(db.roleId()).isEqualTo(2);
        assertThat(db.hostAffined()).containsExactly(1, 2);
        assertThat(db.affinedRoles()).containsExactly("app", "cache");
        assertThat(g.constraintsFor("nope")).isNull();
    }

    @Test
    void softPoliciesAreReadAndCheckedOnRoleCalls() {
        VmGroup g = group("ROLE = [ NAME = a, POLICY = SOFT_AFFINED ]\nROLE = [ NAME = b, POLICY = Soft_Anti_Affined ]");
        assertThat(g.role("a").policy()).isEqualTo(VmGroupPolicy.SOFT_AFFINED);
        assertThat(g.constraintsFor("b").policy()).isEqualTo(VmGroupPolicy.SOFT_ANTI_AFFINED);
        assertThatThrownBy(() -> g.withRoleAdded(role("NAME = c, POLICY = SOFT"))).hasMessageStartingWith("POLICY SOFT in role c");
        assertThatThrownBy(() -> g.withRoleUpdated(0, role("POLICY = SOFTLY"))).hasMessageStartingWith("POLICY SOFTLY in role a");
        assertThat(g.withRoleUpdated(0, role("POLICY = SOFT_ANTI_AFFINED")).role("a").policy())
                .isEqualTo(VmGroupPolicy.SOFT_ANTI_AFFINED);
    }

    @Test
    void roleChanges() {
        VmGroup g = group(TIERS);
        VmGroup added = g.withRoleAdded(role("NAME = batch, VMS = \"5\""));
        assertThat(added.role("batch").id()).isEqualTo(5);
        assertThat(added.role("batch").vms()).isEmpty();
        assertThatThrownBy(() -> g.withRoleAdded(role("NAME = web"))).hasMessage("Role already exists");

        assertThatThrownBy(() -> g.withRoleDeleted(1)).hasMessage("Some roles used in AFFINED attribute (app, db) are not defined");
        assertThatThrownBy(() -> g.withRoleDeleted(9)).hasMessage("Unable to delete role 9, the role doesn't exists");
        VmGroup withVm = added.withVm("batch", 3, true);
        assertThatThrownBy(() -> withVm.withRoleDeleted(5)).hasMessage("Unable to delete role 5, the role has assigned VMs ");
        assertThat(added.withRoleDeleted(5).roles()).hasSize(5);
        assertThat(added.withRoleDeleted(5).withRoleAdded(role("NAME = again")).role("again").id())
                .as("the next ID follows the highest left").isEqualTo(5);

        VmGroup renamed = added.withRoleUpdated(5, role("NAME = jobs, POLICY = AFFINED, ID = 99, VMS = \"1\""));
        assertThat(renamed.role("jobs").id()).isEqualTo(5);
        assertThat(renamed.role("jobs").policy()).isEqualTo(VmGroupPolicy.AFFINED);
        assertThat(renamed.role("jobs").vms()).isEmpty();
        assertThatThrownBy(() -> g.withRoleUpdated(0, role("NAME = app")))
                .hasMessage("VMGroup 7 Role 0 can not update name, role with name app already exists");
        assertThatThrownBy(() -> g.withRoleUpdated(3, role("POLICY = ANTI_AFFINED")))
                .isInstanceOf(VmGroupException.class)
                .hasMessage("Role cache is in an AFFINED rule but the role policy is ANTI_AFFINED");
        assertThatThrownBy(() -> withVm.withRoleUpdated(5, role("POLICY = AFFINED")))
                .hasMessage("VMGroup 7 Role 5 has VMs, unable to update");
        assertThatThrownBy(() -> g.withRoleUpdated(8, role("NAME = x"))).hasMessage("VMGroup 7 doesn't have role 8");
    }

    @Test
    void templateUpdates() {
        VmGroup g = group(TIERS);
        assertThat(g.withTemplateUpdated(g.template().update(Template.parse("ANTI_AFFINED = \"queue, web\""), true))
                .rules(VmGroupPolicy.ANTI_AFFINED)).hasSize(1);
        assertThatThrownBy(() -> g.withTemplateUpdated(Template.parse("AFFINED = \"web,app\"")))
                .hasMessage("Role web is in an AFFINED rule but the role policy is ANTI_AFFINED");
        assertThatThrownBy(() -> g.withVm("app", 1, true).withTemplateUpdated(Template.EMPTY))
                .hasMessage("VM Group has 1 VMs");
        assertThat(g.withTemplateUpdated(Template.parse("ROLE = [ NAME = x ]")).roles()).hasSize(5);
    }

    @Test
    void xmlFollowsTheXsdAndRoundTrips() {
        VmGroup g = group("ROLE = [ POLICY = AFFINED, NAME = a, HOST_AFFINED = \"1\" ]\nAFFINED = \"a\"").withVm("a", 4, true);
        String xml = g.toXml();
        assertThat(xml).contains("<ROLES><ROLE><HOST_AFFINED><![CDATA[1]]></HOST_AFFINED><ID><![CDATA[0]]></ID>"
                + "<NAME><![CDATA[a]]></NAME><POLICY><![CDATA[AFFINED]]></POLICY><VMS><![CDATA[4]]></VMS></ROLE></ROLES>"
                + "<TEMPLATE><AFFINED><![CDATA[a]]></AFFINED></TEMPLATE></VM_GROUP>");
        assertThat(VmGroup.fromXml(XmlNode.parse(xml))).isEqualTo(g);
    }
}
