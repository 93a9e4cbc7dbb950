package dev.nimbo.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.xml.XmlNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AclRuleTest {

    @Test
    void defaultRulesMatchOpenNebulaBootstrap() {
        List<AclRule> rules = DefaultAcls.bootstrap(0);
        assertThat(rules).extracting(AclRule::toString).containsExactly(
                "@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *",
                "* ZONE/* USE *",
                "* MARKETPLACE+MARKETPLACEAPP/* USE *");
        assertThat(rules).extracting(AclRule::id).containsExactly(0, 1, 2);
        assertThat(rules.get(0).toXml()).isEqualTo("<ACL><ID>0</ID><USER>200000001</USER>"
                + "<RESOURCE>121429400000000</RESOURCE><RIGHTS>8</RIGHTS><ZONE>400000000</ZONE>"
                + "<STRING>@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *</STRING></ACL>");
        assertThat(rules.get(1).toXml()).isEqualTo("<ACL><ID>1</ID><USER>400000000</USER>"
                + "<RESOURCE>800400000000</RESOURCE><RIGHTS>1</RIGHTS><ZONE>400000000</ZONE>"
                + "<STRING>* ZONE/* USE *</STRING></ACL>");
        assertThat(DefaultAcls.bootstrap(5)).isEqualTo(rules);
        rules.forEach(r -> assertThat(r.problems()).isNull());
    }

    @Test
    void groupAdminRulesMatchOpenNebula() {
        assertThat(GroupAdminAcls.forAdmin(7, 100, 0)).extracting(AclRule::toString).containsExactly(
                "#7 USER/@100 USE+MANAGE+ADMIN+CREATE *",
                "#7 VM+NET+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VROUTER+VMGROUP+BACKUPJOB/@100 USE+MANAGE *",
                "#7 VROUTER/* CREATE *",
                "#7 GROUP/#100 MANAGE *");
        GroupAdminAcls.forAdmin(7, 100, 0).forEach(r -> {
            assertThat(r.problems()).isNull();
            assertThat(r.id()).isEqualTo(-1);
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "@1 VM+NET+IMAGE+TEMPLATE/* CREATE #0 | @1 VM+NET+IMAGE+TEMPLATE/* CREATE #0 | 200000001 | 2d400000000 | 8 | 100000000",
            "#3 HOST/%100 MANAGE              | #3 HOST/%100 MANAGE #0              | 100000003 | 2800000064 | 2 | 100000000",
            "* ZONE/* USE *                   | * ZONE/* USE *                      | 400000000 | 800400000000 | 1 | 400000000",
            "#5 net+Image/@12 use+Create      | #5 NET+IMAGE/@12 USE+CREATE #0      | 100000005 | c20000000c | 9 | 100000000",
            "  @0   DATASTORE/#4  ADMIN  #3   | @0 DATASTORE/#4 ADMIN #3            | 200000000 | 100100000004 | 4 | 100000003",
            "#1 USER/#2 USE *                 | #1 USER/#2 USE *                    | 100000001 | 10100000002 | 1 | 400000000",
    })
    void parsesTheCliFormAndPrintsOnedsForm(String input, String printed, String user, String resource, String rights,
                                            String zone) {
        AclRule r = AclRule.parse(9, input, 0);
        assertThat(r.toString()).isEqualTo(printed);
        assertThat(r.id()).isEqualTo(9);
        assertThat(r.toXml()).isEqualTo("<ACL><ID>9</ID><USER>" + user + "</USER><RESOURCE>" + resource
                + "</RESOURCE><RIGHTS>" + rights + "</RIGHTS><ZONE>" + zone + "</ZONE><STRING>" + printed
                + "</STRING></ACL>");
        assertThat(AclRule.fromHex(9, user, resource, rights, zone)).isEqualTo(r);
        assertThat(AclRule.fromHex(9, "0x" + user, "0X" + resource, rights, "0x" + zone)).isEqualTo(r);
        assertThat(AclRule.fromXml(XmlNode.parse(r.toXml()))).isEqualTo(r);
    }

    @Test
    void zoneDefaultsToTheLocalZone() {
        assertThat(AclRule.parse(1, "#3 VM/* USE", 4).toString()).isEqualTo("#3 VM/* USE #4");
        assertThat(AclRule.fromHex(1, "100000003", "1400000000", "1", "", 4).toString()).isEqualTo("#3 VM/* USE #4");
        assertThat(AclRule.fromHex(1, "100000003", "1400000000", "1", null).toString()).isEqualTo("#3 VM/* USE #0");
    }

    @Test
    void sameRuleIgnoresTheId() {
        AclRule a = AclRule.parse(1, "#3 VM/* USE *", 0);
        assertThat(a.sameRuleAs(a.withId(8))).isTrue();
        assertThat(a.sameRuleAs(AclRule.parse(1, "#3 VM/* MANAGE *", 0))).isFalse();
        assertThat(a.equals(a.withId(8))).isFalse();
    }

    @Test
    void isAnAclPoolObject() {
        AclRule a = AclRule.parse(4, "#3 VM/* USE *", 0);
        assertThat(a.type()).isEqualTo(ObjectType.ACL);
        assertThat(a.name()).isEmpty();
        assertThat(a.uid()).isZero();
        assertThat(a.gid()).isZero();
        assertThat(a.permissions().octal()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "#3 VM/*                 | String needs three components: User, Resource, Rights",
            "#3 VM/* USE #0 extra    | String needs three components: User, Resource, Rights",
            "``                      | String needs three components: User, Resource, Rights",
            "3 VM/* USE              | ID string '3' malformed",
            "#x VM/* USE             | ID string '#x' malformed",
            "#-1 VM/* USE            | ID string '#-1' malformed",
            "#99999999999 VM/* USE   | ID string '#99999999999' malformed",
            "ALL VM/* USE            | ID string 'ALL' malformed",
            "#3 VM USE               | Resource '[\"VM\"]' malformed",
            "#3 VM/*/1 USE           | Resource '[\"VM\", \"*\", \"1\"]' malformed",
            "#3 VM+HOOK/* USE        | Resource 'HOOK' does not exist",
            "#3 VM+ACL/* USE         | Resource 'ACL' does not exist",
            "#3 VM++NET/* USE        | Resource '' does not exist",
            "#3 VM/1 USE             | ID string '1' malformed",
            "#3 VM/* INFO            | Right 'INFO' does not exist",
            "#3 VM/* USE+DELETE      | Right 'DELETE' does not exist",
            "#3 VM/* USE x           | ID string 'x' malformed",
            "3 FOO/* BAR             | ID string '3' malformed, Resource 'FOO' does not exist, Right 'BAR' does not exist",
    })
    void syntaxErrorsCarryTheCliMessages(String input, String message) {
        assertThatThrownBy(() -> AclRule.parse(0, input, 0))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "%3 VM/* USE             | Rule ?? VM/* USE #0 is malformed: [user] is missing one of the INDIVIDUAL, GROUP or ALL bits",
            "#3 VM/%1 USE            | Rule #3 VM/%1 USE #0 is malformed: [resource] CLUSTER(%) selector can be applied only to DATASTORE, HOST and NET types",
            "#3 HOST/@1 USE          | Rule #3 HOST/@1 USE #0 is malformed: [resource] GROUP(@) selector cannot be applied to HOST, GROUP, CLUSTER, ZONE or VDC types",
            "#3 /* USE               | Rule #3 /* USE #0 is malformed: [resource] type is missing",
            "#3 VM/* +               | Rule #3 VM/*  #0 is malformed: wrong [rights], it cannot be 0",
            "#3 VM/* USE @1          | Rule #3 VM/* USE ?? is malformed: [zone] GROUP (@) bit is not supported",
            "#3 VM/* USE %1          | Rule #3 VM/* USE ?? is malformed: [zone] is missing one of the INDIVIDUAL or ALL bits",
            "#3 VM/#5 USE *          | Rule #3 VM/#5 USE * is malformed: [resource] INDIVIDUAL(#) selector cannot be applied to ALL zones, except for USER, GROUP and ZONE types",
    })
    void parsedButInvalidRulesFailAsOnedDoes(String input, String message) {
        assertThatThrownBy(() -> AclRule.parse(0, input, 0))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // user
            "300000001 | 1400000000 | 1 | 100000000 | [user] INDIVIDUAL (#) and GROUP (@) bits are exclusive",
            "500000001 | 1400000000 | 1 | 100000000 | [user] INDIVIDUAL (#) and ALL (*) bits are exclusive; when using the ALL bit, [user] ID must be 0",
            "600000000 | 1400000000 | 1 | 100000000 | [user] GROUP (@) and ALL (*) bits are exclusive",
            "700000000 | 1400000000 | 1 | 100000000 | [user] INDIVIDUAL (#) and GROUP (@) bits are exclusive; [user] INDIVIDUAL (#) and ALL (*) bits are exclusive; [user] GROUP (@) and ALL (*) bits are exclusive",
            "1         | 1400000000 | 1 | 100000000 | [user] is missing one of the INDIVIDUAL, GROUP or ALL bits",
            "1ffffffff | 1400000000 | 1 | 100000000 | [user] ID cannot be negative",
            "400000001 | 1400000000 | 1 | 100000000 | when using the ALL bit, [user] ID must be 0",
            // resource
            "100000001 | 1300000001 | 1 | 100000000 | [resource] INDIVIDUAL (#), GROUP (@), CLUSTER (%) and ALL (*) bits are exclusive",
            "100000001 | 1c00000000 | 1 | 100000000 | [resource] INDIVIDUAL (#), GROUP (@), CLUSTER (%) and ALL (*) bits are exclusive; [resource] CLUSTER(%) selector can be applied only to DATASTORE, HOST and NET types",
            "100000001 | 1000000000 | 1 | 100000000 | [resource] is missing one of the INDIVIDUAL, GROUP, CLUSTER or ALL bits",
            "100000001 | 11ffffffff | 1 | 100000000 | [resource] ID cannot be negative",
            "100000001 | 1400000001 | 1 | 100000000 | when using the ALL bit, [resource] ID must be 0",
            "100000001 | 400000000  | 1 | 100000000 | [resource] type is missing",
            "100000001 | 80000400000000 | 1 | 100000000 | wrong [resource] type",
            "100000001 | 200000400000000 | 1 | 100000000 | wrong [resource] type",
            "100000001 | 4200000001 | 1 | 100000000 | ``",
            "100000001 | 4800000001 | 1 | 100000000 | ``",
            "100000001 | 1800000001 | 1 | 100000000 | [resource] CLUSTER(%) selector can be applied only to DATASTORE, HOST and NET types",
            "100000001 | 40200000001 | 1 | 100000000 | [resource] GROUP(@) selector cannot be applied to HOST, GROUP, CLUSTER, ZONE or VDC types",
            // rights
            "100000001 | 1400000000 | 0  | 100000000 | wrong [rights], it cannot be 0",
            "100000001 | 1400000000 | 10 | 100000000 | wrong [rights], it cannot be bigger than 0xF",
            "100000001 | 1400000000 | -1 | 100000000 | wrong [rights], it cannot be bigger than 0xF",
            // zone
            "100000001 | 1400000000 | 1 | 200000000 | [zone] GROUP (@) bit is not supported",
            "100000001 | 1400000000 | 1 | 500000000 | [zone] INDIVIDUAL (#) and ALL (*) bits are exclusive",
            "100000001 | 1400000000 | 1 | 0         | [zone] is missing one of the INDIVIDUAL or ALL bits",
            "100000001 | 1400000000 | 1 | 1ffffffff | [zone] ID cannot be negative",
            "100000001 | 1400000000 | 1 | 400000002 | when using the ALL bit, [zone] ID must be 0",
            "100000001 | 1100000002 | 1 | 400000000 | [resource] INDIVIDUAL(#) selector cannot be applied to ALL zones, except for USER, GROUP and ZONE types",
            "100000001 | 10100000002 | 1 | 400000000 | ``",
            "100000001 | 850100000002 | 1 | 400000000 | ``",
            // several at once, in oned's order
            "0 | 0 | 0 | 0 | [user] is missing one of the INDIVIDUAL, GROUP or ALL bits; [resource] is missing one of the INDIVIDUAL, GROUP, CLUSTER or ALL bits; [resource] type is missing; wrong [rights], it cannot be 0; [zone] is missing one of the INDIVIDUAL or ALL bits",
            "junk | 1400000000 | 1 | 100000000 | [user] is missing one of the INDIVIDUAL, GROUP or ALL bits",
    })
    void fromHexValidatesAsMalformedDoes(String user, String resource, String rights, String zone, String problems) {
        if (problems.isEmpty()) {
            assertThat(AclRule.fromHex(3, user, resource, rights, zone).problems()).isNull();
            return;
        }
        AclRule raw = new AclRule(3, AclRule.readHex(user), AclRule.readHex(resource), AclRule.readHex(rights),
                AclRule.readHex(zone));
        assertThat(raw.problems()).isEqualTo(problems);
        assertThatThrownBy(() -> AclRule.fromHex(3, user, resource, rights, zone))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessage("Rule " + raw + " is malformed: " + problems);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0x100000001", "100000001", "  0X100000001", "+100000001", "100000001zz"})
    void readsHexLikeOned(String s) {
        assertThat(AclRule.readHex(s)).isEqualTo(0x100000001L);
    }

    @Test
    void readHexEdgeCases() {
        assertThat(AclRule.readHex("")).isZero();
        assertThat(AclRule.readHex("zz")).isZero();
        assertThat(AclRule.readHex(null)).isZero();
        assertThat(AclRule.readHex("0x")).isZero();
        assertThat(AclRule.readHex("-1")).isEqualTo(-1L);
        assertThat(AclRule.readHex("7fffffffffffffff")).isEqualTo(Long.MAX_VALUE);
        assertThat(AclRule.readHex("ffffffffffffffff")).isEqualTo(Long.MAX_VALUE);
        assertThat(AclRule.readHex("123456789abcdef01")).isEqualTo(Long.MAX_VALUE);
        assertThat(AclRule.readHex("-8000000000000000")).isEqualTo(Long.MIN_VALUE);
        assertThat(AclRule.readHex("-8000000000000001")).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void printsUnknownSelectorsAsOnedDoes() {
        assertThat(new AclRule(0, 0, 0, 0, 0).toString()).isEqualTo("?? /??  ??");
        assertThat(new AclRule(0, AclRule.INDIVIDUAL_ID | 0xFFFFFFFFL, ObjectType.ACL.aclBit() | AclRule.ALL_ID, 0xF,
                AclRule.ALL_ID).toString()).isEqualTo("#-1 /* USE+MANAGE+ADMIN+CREATE *");
    }

    @Test
    void xmlKeepsNegativeValuesAsTwosComplementHex() {
        AclRule odd = new AclRule(12, -1L, 0x1400000000L, 1, AclRule.ALL_ID);
        assertThat(odd.toXml()).contains("<USER>ffffffffffffffff</USER>");
        assertThat(AclRule.fromXml(XmlNode.parse(odd.toXml()))).isEqualTo(odd);
    }

    @Test
    void poolErrorsMatchOned() {
        AclRule r = AclRule.parse(3, "#3 VM/* USE *", 0);
        assertThat(r.alreadyExists()).hasMessage("Rule #3 VM/* USE * already exists")
                .extracting(e -> ((ApiException) e).code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(AclRule.noSuchRule(42)).hasMessage("Rule 42 does not exist");
    }
}
