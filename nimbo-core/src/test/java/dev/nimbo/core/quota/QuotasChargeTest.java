package dev.nimbo.core.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.quota.Quotas.Account;
import dev.nimbo.core.quota.Quotas.Charged;
import dev.nimbo.core.template.Template;
import org.junit.jupiter.api.Test;

class QuotasChargeTest {

    private static final Usage ONE_VM = Usage.vm(1, 1, 512, 0, false);

    private static QuotaSet set(String tmpl) {
        return QuotaSet.EMPTY.update(Template.parse(tmpl));
    }

    private static Account user(QuotaSet q) {
        return Account.user(5, q, DefaultQuotas.initialUser());
    }

    private static Account group(QuotaSet q) {
        return Account.group(100, q, DefaultQuotas.initialGroup());
    }

    private static ApiException refused(Account u, Account g, Usage usage) {
        try {
            Quotas.charge(u, g, usage);
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("charge should have been refused");
    }

    /** Charges n times, feeding each result into the next. */
    private static Charged chargeTimes(int n, QuotaSet u, QuotaSet g, Usage usage) {
        Charged c = new Charged(u, g);
        for (int i = 0; i < n; i++) {
            c = Quotas.charge(user(c.user()), group(c.group()), usage);
        }
        return c;
    }

    @Test
    void numericLimitAllowsUpToItAndThenRefusesWithOnedsMessage() {
        Charged c = chargeTimes(2, set("VM=[VMS=2]"), QuotaSet.EMPTY, ONE_VM);
        assertThat(c.user().vm().used("VMS")).isEqualTo(2);
        assertThat(c.user().vm().used("CPU")).isEqualTo(1 * 2);
        assertThat(c.group().vm().used("MEMORY")).isEqualTo(1024);
        ApiException e = refused(user(c.user()), group(c.group()), ONE_VM);
        assertThat(e.code()).isEqualTo(ErrorCode.AUTHORIZATION);
        assertThat(e.getMessage()).isEqualTo("User [5] : user [5] limit of 2 reached for VMS quota in VM.");
    }

    @Test
    void unlimitedNeverRefuses() {
        Charged c = chargeTimes(50, set("VM=[VMS=-2, CPU=-2, MEMORY=-2]"), QuotaSet.EMPTY, ONE_VM);
        assertThat(c.user().vm().used("VMS")).isEqualTo(50);
    }

    @Test
    void zeroAllowsNothing() {
        ApiException e = refused(user(set("NETWORK=[ID=3, LEASES=0]")), group(QuotaSet.EMPTY), Usage.network(3, 1));
        assertThat(e.getMessage())
                .isEqualTo("User [5] : user [5] limit of 0 reached for LEASES quota in NETWORK with ID: 3.");
    }

    @Test
    void minusOneResolvesThroughTheDefaults() {
        DefaultQuotas du = DefaultQuotas.initialUser().update(Template.parse("VM=[VMS=1]"));
        Account first = Account.user(5, QuotaSet.EMPTY, du);
        Charged c = Quotas.charge(first, group(QuotaSet.EMPTY), ONE_VM);
        // The entry oned creates on first use says -1; the default decides.
        assertThat(c.user().vm().limitText("VMS")).isEqualTo("-1");
        ApiException e = refused(Account.user(5, c.user(), du), group(c.group()), ONE_VM);
        assertThat(e.getMessage()).isEqualTo("User [5] : user [5] limit of 1 reached for VMS quota in VM.");
        // Without a default entry (or without defaults) -1 is unlimited.
        assertThat(chargeTimes(3, c.user(), c.group(), ONE_VM).user().vm().used("VMS")).isEqualTo(4);
        assertThat(Quotas.charge(new Account(5, c.user(), null, false), group(c.group()), ONE_VM).user().vm().used("VMS"))
                .isEqualTo(2);
    }

    @Test
    void ownLimitOverridesTheDefault() {
        DefaultQuotas du = DefaultQuotas.initialUser().update(Template.parse("VM=[VMS=1]"));
        Charged c = Quotas.charge(Account.user(5, set("VM=[VMS=3]"), du), group(QuotaSet.EMPTY), Usage.vm(3, 0, 0, 0, false));
        assertThat(c.user().vm().used("VMS")).isEqualTo(3);
    }

    @Test
    void datastoreDefaultsAreMatchedById() {
        DefaultQuotas dg = DefaultQuotas.initialGroup().update(Template.parse("DATASTORE=[ID=1, SIZE=1000000]"));
        Account g = Account.group(100, QuotaSet.EMPTY, dg);
        assertThat(Quotas.charge(user(QuotaSet.EMPTY), g, Usage.datastore(2, 1, 5_000_000)).group().datastore(2).used("SIZE"))
                .isEqualTo(5_000_000);
        ApiException e = refused(user(QuotaSet.EMPTY), g, Usage.datastore(1, 1, 1_000_001));
        // oned prints the limit as a C++ float stream does.
        assertThat(e.getMessage())
                .isEqualTo("User [5] : group [100] limit of 1e+06 reached for SIZE quota in DATASTORE with ID: 1.");
    }

    @Test
    void groupLimitAppliesEvenWhenTheUserHasNone() {
        Charged c = chargeTimes(1, QuotaSet.EMPTY, set("VM=[VMS=1]"), ONE_VM);
        ApiException e = refused(user(c.user()), group(c.group()), ONE_VM);
        assertThat(e.getMessage()).isEqualTo("User [5] : group [100] limit of 1 reached for VMS quota in VM.");
    }

    @Test
    void userIsCheckedBeforeGroup() {
        ApiException e = refused(user(set("VM=[VMS=0]")), group(set("VM=[VMS=0]")), ONE_VM);
        assertThat(e.getMessage()).contains("user [5]");
    }

    @Test
    void firstMetricInOnedOrderIsNamed() {
        // VMS, RUNNING_VMS, CPU, RUNNING_CPU, MEMORY …: CPU is reported before MEMORY.
        ApiException e = refused(user(set("VM=[CPU=0.5, MEMORY=1]")), group(QuotaSet.EMPTY), ONE_VM);
        assertThat(e.getMessage()).endsWith("limit of 0.5 reached for CPU quota in VM.");
    }

    @Test
    void fractionalCpuAddsUpExactly() {
        Usage tenth = Usage.vm(0, 0.1f, 0, 0, false);
        Charged c = chargeTimes(10, set("VM=[CPU=1]"), QuotaSet.EMPTY, tenth);
        assertThat(c.user().vm().usedText("CPU")).isEqualTo("1");
        assertThat(refused(user(c.user()), group(c.group()), tenth).getMessage())
                .endsWith("limit of 1 reached for CPU quota in VM.");
        QuotaSet u = c.user();
        for (int i = 0; i < 10; i++) {
            u = Quotas.release(u, tenth);
        }
        assertThat(u.vm().usedText("CPU")).isEqualTo("0");
    }

    @Test
    void runningCountersMoveOnlyForRunningVms() {
        Charged c = Quotas.charge(user(QuotaSet.EMPTY), group(QuotaSet.EMPTY), Usage.vm(1, 2, 1024, 10, false));
        assertThat(c.user().vm().used("RUNNING_VMS")).isZero();
        assertThat(c.user().vm().used("SYSTEM_DISK_SIZE")).isEqualTo(10);
        c = Quotas.charge(user(c.user()), group(c.group()), Usage.vmRunning(1, 2, 1024));
        assertThat(c.user().vm().used("RUNNING_VMS")).isEqualTo(1);
        assertThat(c.user().vm().used("RUNNING_CPU")).isEqualTo(2);
        assertThat(c.user().vm().used("RUNNING_MEMORY")).isEqualTo(1024);
        assertThat(c.user().vm().used("VMS")).isEqualTo(1);
        Charged both = Quotas.charge(user(QuotaSet.EMPTY), group(QuotaSet.EMPTY), Usage.vm(1, 2, 1024, 10, true));
        assertThat(both.user()).isEqualTo(c.user());
        ApiException e = refused(user(set("VM=[RUNNING_VMS=0]")), group(QuotaSet.EMPTY), Usage.vm(1, 1, 1, 0, true));
        assertThat(e.getMessage()).endsWith("limit of 0 reached for RUNNING_VMS quota in VM.");
    }

    @Test
    void aPresentMetricIsCheckedEvenWithZeroAmountLikeOned() {
        Charged c = chargeTimes(2, QuotaSet.EMPTY, QuotaSet.EMPTY, ONE_VM);
        QuotaSet lowered = c.user().update(Template.parse("VM=[MEMORY=512]"));
        ApiException e = refused(user(lowered), group(c.group()), Usage.vm(1, 0, 0, 0, false));
        assertThat(e.getMessage()).endsWith("limit of 512 reached for MEMORY quota in VM.");
    }

    @Test
    void oneadminAndItsGroupAreExemptButStillCounted() {
        QuotaSet none = set("VM=[VMS=0]");
        Charged c = Quotas.charge(Account.user(0, none, DefaultQuotas.initialUser()),
                Account.group(0, none, DefaultQuotas.initialGroup()), ONE_VM);
        assertThat(c.user().vm().used("VMS")).isEqualTo(1);
        assertThat(c.group().vm().used("VMS")).isEqualTo(1);
        // A regular user in the oneadmin group: its own quota still applies.
        assertThat(refused(Account.user(7, none, null), Account.group(0, QuotaSet.EMPTY, null), ONE_VM).getMessage())
                .isEqualTo("User [7] : user [7] limit of 0 reached for VMS quota in VM.");
    }

    @Test
    void aWholeVmIsChargedAtOnceOrNotAtAll() {
        Usage vm = ONE_VM.plus(Usage.network(0, 1)).plus(Usage.network(0, 1)).plus(Usage.network(1, 1))
                .plus(Usage.image(3, 1)).plus(Usage.datastore(1, 0, 2048));
        QuotaSet u = set("IMAGE=[ID=3, RVMS=1]\nNETWORK=[ID=0, LEASES=2]");
        Charged c = Quotas.charge(user(u), group(QuotaSet.EMPTY), vm);
        assertThat(c.user().network(0).used("LEASES")).isEqualTo(2);
        assertThat(c.user().network(1).used("LEASES")).isEqualTo(1);
        assertThat(c.user().image(3).used("RVMS")).isEqualTo(1);
        assertThat(c.user().datastore(1).used("SIZE")).isEqualTo(2048);
        assertThat(c.user().datastore(1).used("IMAGES")).isZero();
        assertThat(c.group().vm().used("VMS")).isEqualTo(1);

        // The image quota is full now; nothing else of the second VM may be counted.
        ApiException e = refused(user(c.user().update(Template.parse("NETWORK=[ID=0, LEASES=10]"))), group(c.group()), vm);
        assertThat(e.getMessage()).endsWith("limit of 1 reached for RVMS quota in IMAGE with ID: 3.");
        assertThat(c.user().vm().used("VMS")).isEqualTo(1);
    }

    @Test
    void requesterCanDifferFromOwner() {
        assertThatThrownBy(() -> Quotas.charge(0, user(set("VM=[VMS=0]")), group(QuotaSet.EMPTY), ONE_VM))
                .hasMessage("User [0] : user [5] limit of 0 reached for VMS quota in VM.");
        assertThat(Quotas.violation(user(set("VM=[VMS=0]")), group(QuotaSet.EMPTY), ONE_VM))
                .contains("user [5] limit of 0 reached for VMS quota in VM");
        assertThat(Quotas.violation(user(QuotaSet.EMPTY), group(QuotaSet.EMPTY), ONE_VM)).isEmpty();
    }

    @Test
    void swappedDefaultsAreAProgrammingError() {
        assertThatThrownBy(() -> Quotas.charge(Account.user(5, QuotaSet.EMPTY, DefaultQuotas.initialGroup()),
                group(QuotaSet.EMPTY), ONE_VM)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void releaseNeverGoesBelowZeroAndDropsEntriesOnlyWhenNothingIsLeft() {
        QuotaSet limited = set("NETWORK=[ID=1, LEASES=5]");
        Charged c = Quotas.charge(user(limited), group(QuotaSet.EMPTY), Usage.network(1, 2).plus(Usage.network(2, 1)));
        Charged r = Quotas.release(c.user(), c.group(), Usage.network(1, 3).plus(Usage.network(2, 1)));
        assertThat(r.user().network(1).used("LEASES")).isZero();
        assertThat(r.user().network(1).limit("LEASES")).isEqualTo(5);
        // Created on use with default limits: gone once unused.
        assertThat(r.user().network(2)).isNull();
        assertThat(r.group()).isSameAs(QuotaSet.EMPTY);
        // Releasing something never charged is harmless.
        assertThat(Quotas.release(QuotaSet.EMPTY, ONE_VM)).isSameAs(QuotaSet.EMPTY);
    }

    @Test
    void usageFactoriesRejectNegativeAmounts() {
        assertThatThrownBy(() -> Usage.vm(-1, 0, 0, 0, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Usage.vm(1, Float.NaN, 0, 0, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Usage.datastore(-1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Usage.network(1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Usage.network(1, 1).plus(Usage.network(1, 2)).amount(QuotaKind.NETWORK, 1, "LEASES")).isEqualTo(3);
        assertThat(Usage.NONE.plus(ONE_VM)).isEqualTo(ONE_VM);
    }

    @Test
    void numbersPrintLikeOned() {
        assertThat(Amounts.format(Amounts.parse("2048"))).isEqualTo("2048");
        assertThat(Amounts.format(Amounts.parse("0.5"))).isEqualTo("0.50");
        assertThat(Amounts.format(Amounts.parse("-2"))).isEqualTo("-2");
        assertThat(Amounts.formatShort(Amounts.parse("1234567"))).isEqualTo("1.23457e+06");
        assertThat(Amounts.formatShort(Amounts.parse("123456"))).isEqualTo("123456");
        assertThat(Amounts.formatShort(Amounts.parse("0.25"))).isEqualTo("0.25");
        assertThat(Amounts.formatShort(Amounts.parse("10000000"))).isEqualTo("1e+07");
    }
}
