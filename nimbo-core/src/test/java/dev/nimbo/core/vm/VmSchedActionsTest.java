package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class VmSchedActionsTest {
    static final long NOW = 1_700_000_000L;

    static VectorAttribute in(String text) {
        return Template.parse(text).vectors("SCHED_ACTION").get(0);
    }

    @Test
    void buildChecksAndCompletesInSharedXsdOrder() {
        VectorAttribute sa = VmSchedActions.build(3, 9, in("SCHED_ACTION = [ ACTION = poweroff, TIME = \"+60\" ]"), NOW, NOW);
        assertThat(sa.values()).extracting(v -> v.name()).containsExactly("ID", "PARENT_ID", "TYPE", "ACTION", "ARGS",
                "TIME", "REPEAT", "DAYS", "END_TYPE", "END_VALUE", "DONE", "MESSAGE", "WARNING");
        assertThat(sa.get("TIME")).isEqualTo(String.valueOf(NOW + 60));
        assertThat(sa.get("PARENT_ID")).isEqualTo("9");
        assertThatThrownBy(() -> VmSchedActions.build(0, 9, in("SCHED_ACTION = [ ACTION = poweroff, TIME = 5 ]"), NOW, NOW))
                .hasMessageContaining("is in the past");
        assertThatThrownBy(() -> VmSchedActions.build(0, 9, in("SCHED_ACTION = [ ACTION = explode, TIME = \"+5\" ]"), NOW, NOW))
                .hasMessageContaining("Invalid ACTION");
        assertThatThrownBy(() -> VmSchedActions.build(0, 9, in("SCHED_ACTION = [ ACTION = stop, TIME = \"+5\", REPEAT = 0, DAYS = 9 ]"),
                NOW, NOW)).hasMessageContaining("between 0 and 6");
    }

    @Test
    void dueActionsRunOnceOrRepeatUntilTheirEnd() {
        VectorAttribute once = VmSchedActions.build(0, 1, in("SCHED_ACTION = [ ACTION = reboot, TIME = \"+10\" ]"), NOW, NOW);
        Template t = Template.EMPTY.add(once);
        assertThat(VmSchedActions.due(t, NOW + 5)).isEmpty();
        assertThat(VmSchedActions.due(t, NOW + 10)).hasSize(1);
        VectorAttribute ran = VmSchedActions.afterRun(once, NOW + 10, null, ZoneOffset.UTC);
        assertThat(VmSchedActions.due(Template.EMPTY.add(ran), NOW + 100)).isEmpty();
        assertThat(ran.get("DONE")).isEqualTo(String.valueOf(NOW + 10));

        VectorAttribute hourly = VmSchedActions.build(1, 1, in(
                "SCHED_ACTION = [ ACTION = snapshot-create, TIME = \"+10\", REPEAT = 3, DAYS = 2, END_TYPE = 1, END_VALUE = 2 ]"),
                NOW, NOW);
        // a failed run keeps the action due (tried again next round) and says why
        VectorAttribute failed = VmSchedActions.afterRun(hourly, NOW + 10, "boom", ZoneOffset.UTC);
        assertThat(failed.get("MESSAGE")).endsWith(" : boom");
        assertThat(failed.get("DONE")).isEqualTo("-1");
        assertThat(VmSchedActions.due(Template.EMPTY.add(failed), NOW + 11)).hasSize(1);
        VectorAttribute first = VmSchedActions.afterRun(failed, NOW + 12, null, ZoneOffset.UTC);
        assertThat(first.get("TIME")).isEqualTo(String.valueOf(NOW + 10 + 7200));
        assertThat(first.get("MESSAGE")).isEmpty();
        assertThat(first.get("END_VALUE")).isEqualTo("1");
        VectorAttribute second = VmSchedActions.afterRun(first, NOW + 7210, null, ZoneOffset.UTC);
        assertThat(second.get("REPEAT")).isEqualTo("-1");
        assertThat(VmSchedActions.due(Template.EMPTY.add(second), NOW + 100_000)).isEmpty();

        // weekly on Mondays: 2023-11-14 22:13:20 UTC is a Tuesday, next Monday is the 20th
        long next = VmSchedActions.next(0, "1", NOW, NOW, ZoneOffset.UTC);
        assertThat(java.time.Instant.ofEpochSecond(next).atZone(ZoneOffset.UTC).getDayOfWeek())
                .isEqualTo(java.time.DayOfWeek.MONDAY);
        assertThat(next - NOW).isEqualTo(6 * 86400L);
        assertThat(VmSchedActions.ids(Template.EMPTY.add(once).add(hourly))).isEqualTo(java.util.Set.of(0, 1));
        assertThat(VmSchedActions.normalize(Template.parse("SCHED_ACTION = [ ACTION = stop, TIME = \"+1\" ]\nCPU = 1"), 4,
                NOW, NOW).vectors("SCHED_ACTION")).extracting(v -> v.get("ID")).isEqualTo(List.of("0"));
    }
}
