package dev.nimbo.cli.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected hex values follow OpenNebula's Acl.parse_rule (bit values from its USERS/RESOURCES/RIGHTS tables). */
class AclRuleTest {
    @Test
    void groupRuleWithZone() {
        assertThat(AclRule.parse("@1 VM+NET/* CREATE #0"))
                .isEqualTo(new AclRule.Hex("200000001", "5400000000", "8", "100000000"));
    }

    @Test
    void individualRuleWithoutZone() {
        // HOST 0x2000000000 + VM 0x1000000000 + GROUP 0x200000000 + 12
        assertThat(AclRule.parse("#5 HOST+VM/@12 USE+MANAGE"))
                .isEqualTo(new AclRule.Hex("100000005", "320000000c", "3", null));
    }

    @Test
    void allUsersClusterResourcesAllZones() {
        assertThat(AclRule.parse("* host+datastore/%100 use+manage+admin+create *"))
                .isEqualTo(new AclRule.Hex("400000000", "102800000064", "f", "400000000"));
        assertThat(AclRule.parse("*  BACKUPJOB+VNTEMPLATE/#3   USE ").resource()).isEqualTo("140000100000003");
    }

    @Test
    void quirksKeptFromTheRubyParser() {
        // an empty type list is accepted and a repeated type adds its bit twice
        assertThat(AclRule.parse("#1 /* USE").resource()).isEqualTo("400000000");
        assertThat(AclRule.parse("#1 VM+VM/* USE").resource()).isEqualTo(Long.toHexString(2 * 0x1000000000L + 0x400000000L));
        assertThat(AclRule.parse("#1 VM/* +").rights()).isEqualTo("0");
        assertThat(AclRule.parse("#1 VM+/* USE").resource()).isEqualTo("1400000000"); // trailing "+" ignored
    }

    @Test
    void errorsAreCollectedLikeRuby() {
        assertThatThrownBy(() -> AclRule.parse("@1 VM/*")).hasMessage("String needs three components: User, Resource, Rights");
        assertThatThrownBy(() -> AclRule.parse("a b c d e")).hasMessage("String needs three components: User, Resource, Rights");
        assertThatThrownBy(() -> AclRule.parse("1 VM/* USE")).hasMessage("ID string '1' malformed");
        assertThatThrownBy(() -> AclRule.parse("@1 VM USE")).hasMessage("Resource 'VM' malformed");
        // the zone "@2" passes the client-side check (the server rejects it), the other three fail
        assertThatThrownBy(() -> AclRule.parse("@x FOO/* BAR @2"))
                .hasMessage("ID string '@x' malformed, Resource 'FOO' does not exist, Right 'BAR' does not exist");
        assertThatThrownBy(() -> AclRule.parse("#1 VM++NET/* USE")).hasMessage("Resource '' does not exist");
        assertThatThrownBy(() -> AclRule.parse("#1 VM/*/x USE")).hasMessage("Resource 'VM/*/x' malformed");
    }

    @Test
    void textFromHexMatchesTheServerString() {
        assertThat(AclRule.toText(0x200000001L, 0x5400000000L, 0x8, 0x100000000L)).isEqualTo("@1 VM+NET/* CREATE #0");
        assertThat(AclRule.toText(0x100000005L, 0x320000000cL, 0x3, 0x400000000L)).isEqualTo("#5 VM+HOST/@12 USE+MANAGE *");
        assertThat(AclRule.toText(0x400000000L, 0x2800000064L, 0xf, 0x100000000L))
                .isEqualTo("* HOST/%100 USE+MANAGE+ADMIN+CREATE #0");
    }

    @Test
    void masksLikeOneacl() {
        assertThat(AclRule.RESOURCE_COLUMN).isEqualTo("RES_VHNIUTGDCOZSvRMAPtB");
        assertThat(AclRule.resourceMask("VM+NET+VDC+BACKUPJOB/*")).isEqualTo("V-N---------v-----B");
        assertThat(AclRule.rightsMask("USE+CREATE")).isEqualTo("u--c");
        assertThat(AclRule.rightsMask("")).isEqualTo("----");
    }

    @Test
    void hexArguments() {
        assertThat(AclRule.isHex(List.of("0x200000001", "5400000000", "8"))).isTrue();
        assertThat(AclRule.isHex(List.of("@1", "VM/*", "USE"))).isFalse();
        assertThat(AclRule.normalizeHex("0X1F")).isEqualTo("1f");
    }
}
