package dev.nimbo.core.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.template.Template;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QuotaUpdateTest {

    private static QuotaSet set(String tmpl) {
        return QuotaSet.EMPTY.update(Template.parse(tmpl));
    }

    private static ApiException failure(Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("expected an ApiException");
    }

    @Test
    void setsEveryFamilyFromTheTextSyntax() {
        QuotaSet s = set("VM=[VMS=10, CPU=4, MEMORY=2048, SYSTEM_DISK_SIZE=-1, RUNNING_VMS=-2]\n"
                + "DATASTORE=[ID=1, IMAGES=5, SIZE=10000]\nNETWORK=[ID=0, LEASES=4]\nIMAGE=[ID=3, RVMS=2]");
        assertThat(s.vm().limit("VMS")).isEqualTo(10);
        assertThat(s.vm().limit("CPU")).isEqualTo(4);
        assertThat(s.vm().limit("MEMORY")).isEqualTo(2048);
        assertThat(s.vm().limit("SYSTEM_DISK_SIZE")).isEqualTo(-1);
        assertThat(s.vm().limit("RUNNING_VMS")).isEqualTo(-2);
        assertThat(s.vm().limit("RUNNING_CPU")).isEqualTo(-1);
        assertThat(s.datastore(1).limit("IMAGES")).isEqualTo(5);
        assertThat(s.datastore(1).limit("SIZE")).isEqualTo(10000);
        assertThat(s.network(0).limit("LEASES")).isEqualTo(4);
        assertThat(s.image(3).limit("RVMS")).isEqualTo(2);
    }

    @Test
    void acceptsTheXmlSyntaxToo() {
        QuotaSet s = QuotaSet.EMPTY.update(Template.parse(
                "<TEMPLATE><DATASTORE><ID>2</ID><SIZE>100</SIZE></DATASTORE></TEMPLATE>"));
        assertThat(s.datastore(2).limit("SIZE")).isEqualTo(100);
        assertThat(s.datastore(2).limit("IMAGES")).isEqualTo(-1);
    }

    @Test
    void aVectorReplacesAllLimitsOfItsEntryButKeepsUsage() {
        QuotaSet s = set("VM=[VMS=10, CPU=4]");
        s = Quotas.charge(Quotas.Account.user(5, s, null), Quotas.Account.group(1, QuotaSet.EMPTY, null),
                Usage.vm(2, 1, 256, 0, false)).user();
        // As oned's update_limits: metrics the vector omits go back to -1.
        QuotaSet updated = s.update(Template.parse("VM=[MEMORY=1024]"));
        assertThat(updated.vm().limit("VMS")).isEqualTo(-1);
        assertThat(updated.vm().limit("CPU")).isEqualTo(-1);
        assertThat(updated.vm().limit("MEMORY")).isEqualTo(1024);
        assertThat(updated.vm().used("VMS")).isEqualTo(2);
        assertThat(updated.vm().used("MEMORY")).isEqualTo(256);
    }

    @Test
    void entriesBackToDefaultsWithNoUsageAreDropped() {
        QuotaSet s = set("DATASTORE=[ID=1, SIZE=10]\nNETWORK=[ID=2, LEASES=1]");
        QuotaSet back = s.update(Template.parse("DATASTORE=[ID=1, SIZE=-1, IMAGES=-1]\nNETWORK=[ID=2]"));
        assertThat(back).isSameAs(QuotaSet.EMPTY);
        assertThat(set("IMAGE=[ID=9]")).isSameAs(QuotaSet.EMPTY);
    }

    @Test
    void entriesWithUsageStayEvenAtDefaultLimits() {
        QuotaSet used = Quotas.charge(Quotas.Account.user(5, set("NETWORK=[ID=2, LEASES=3]"), null),
                Quotas.Account.group(1, QuotaSet.EMPTY, null), Usage.network(2, 1)).user();
        QuotaSet s = used.update(Template.parse("NETWORK=[ID=2, LEASES=-1]"));
        assertThat(s.network(2).limitText("LEASES")).isEqualTo("-1");
        assertThat(s.network(2).used("LEASES")).isEqualTo(1);
    }

    @Test
    void laterVectorsForTheSameEntryWinAndOtherTemplateAttributesAreIgnored() {
        QuotaSet s = set("NAME=x\nDATASTORE=[ID=1, SIZE=10]\nDATASTORE=[ID=1, SIZE=20]\nFOO=[A=1]");
        assertThat(s.entries(QuotaKind.DATASTORE)).hasSize(1);
        assertThat(s.datastore(1).limit("SIZE")).isEqualTo(20);
    }

    @Test
    void badValuesFailWithOnedsMessageAndActionCode() {
        ApiException e = failure(() -> set("DATASTORE=[ID=1, SIZE=10, IMAGES=-5]"));
        assertThat(e.code()).isEqualTo(ErrorCode.ACTION);
        assertThat(e.getMessage())
                .isEqualTo("Negative limits or bad format in quota DATASTORE = [ ID=1,IMAGES=-5,SIZE=10 ]");
        assertThat(failure(() -> set("VM=[VMS=ten]")).getMessage())
                .isEqualTo("Negative limits or bad format in quota VM = [ VMS=ten ]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-3", "-1.5", "abc", "1O", "NaN", "Infinity", "1e400", "--1"})
    void rejectsLimitsOutsideTheModel(String value) {
        assertThat(failure(() -> set("VM=[CPU=" + value + "]")).code()).isEqualTo(ErrorCode.ACTION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NETWORK=[LEASES=1]", "IMAGE=[ID=, RVMS=1]", "DATASTORE=[ID=a, SIZE=1]",
            "DATASTORE=[ID=-1, SIZE=1]", "NETWORK=[ID=1.5, LEASES=1]"})
    void idIsRequiredForDatastoreNetworkAndImage(String tmpl) {
        ApiException e = failure(() -> set(tmpl));
        assertThat(e.code()).isEqualTo(ErrorCode.ACTION);
        assertThat(e.getMessage()).startsWith("Negative limits or bad format in quota ");
    }

    @Test
    void anInvalidVectorLeavesTheWholeSetUnchanged() {
        QuotaSet s = set("VM=[VMS=1]");
        assertThatThrownBy(() -> s.update(Template.parse("VM=[VMS=5]\nNETWORK=[ID=1, LEASES=-7]")))
                .isInstanceOf(ApiException.class);
        assertThat(s.vm().limit("VMS")).isEqualTo(1);
    }

    @Test
    void clusterQuotasAreRefused() {
        ApiException e = failure(() -> set("VM=[CLUSTER_IDS=\"100,101\", VMS=1]"));
        assertThat(e.code()).isEqualTo(ErrorCode.ACTION);
        assertThat(e.getMessage()).contains("CLUSTER_IDS");
    }

    @Test
    void fractionalLimitsKeepTwoDecimalsLikeOned() {
        QuotaSet s = set("VM=[CPU=0.125, MEMORY=1e3]");
        assertThat(s.vm().limitText("CPU")).isEqualTo("0.13");
        assertThat(s.vm().limitText("MEMORY")).isEqualTo("1000");
    }

    @Test
    void defaultsTakeUnlimitedForMissingAndRefuseMinusOne() {
        DefaultQuotas d = DefaultQuotas.initialUser().update(Template.parse("VM=[VMS=4]"));
        assertThat(d.limits().vm().limit("CPU")).isEqualTo(-2);
        assertThat(d.limits().vm().limit("VMS")).isEqualTo(4);
        assertThat(failure(() -> DefaultQuotas.initialUser().update(Template.parse("VM=[VMS=-1]"))).getMessage())
                .isEqualTo("Negative limits or bad format in quota VM = [ VMS=-1 ]");
        // All unlimited and unused is the implicit state: nothing to keep.
        assertThat(d.update(Template.parse("VM=[VMS=-2]")).limits()).isSameAs(QuotaSet.EMPTY);
    }

    @Test
    void defaultsAllowOneVmVectorWithoutClusters() {
        ApiException two = failure(() -> DefaultQuotas.initialGroup().update(Template.parse("VM=[VMS=1]\nVM=[CPU=2]")));
        assertThat(two.code()).isEqualTo(ErrorCode.ACTION);
        assertThat(two.getMessage()).isEqualTo("Only one default VM quota can be defined");
        assertThat(failure(() -> DefaultQuotas.initialGroup().update(Template.parse("VM=[CLUSTER_IDS=1, VMS=1]")))
                .getMessage()).isEqualTo("CLUSTER_IDS attribute is not allowed for default VM quota");
    }
}
