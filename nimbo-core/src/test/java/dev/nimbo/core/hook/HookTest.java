package dev.nimbo.core.hook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HookTest {
    static final Predicate<String> CALLS = Set.of("one.vm.allocate", "one.user.allocate")::contains;

    static Hook define(String template) {
        return Hook.define(3, "h", Template.parse(template), CALLS);
    }

    @Test
    void apiHooksAreNormalisedAsOpenNebulaStoresThem() {
        Hook h = define("CALL = one.vm.allocate\nTYPE = API\nCOMMAND = log.sh\nARGUMENTS = \"$API x\"\nREMOTE = no");
        assertThat(h.hookType()).isEqualTo(HookType.API);
        assertThat(h.call()).isEqualTo("one.vm.allocate");
        assertThat(h.template().toText()).isEqualTo("ARGUMENTS=\"$API x\"\nCOMMAND=\"log.sh\"\nREMOTE=\"NO\"\nCALL=\"one.vm.allocate\"\n");
        assertThat(h.toXml()).isEqualTo("<HOOK><ID>3</ID><NAME>h</NAME><TYPE>api</TYPE><TEMPLATE>"
                + "<ARGUMENTS><![CDATA[$API x]]></ARGUMENTS><COMMAND><![CDATA[log.sh]]></COMMAND>"
                + "<REMOTE><![CDATA[NO]]></REMOTE><CALL><![CDATA[one.vm.allocate]]></CALL></TEMPLATE><HOOKLOG></HOOKLOG></HOOK>");
        assertThat(define("TYPE = api\nCOMMAND = x\nCALL = one.internal.anything").call()).isEqualTo("one.internal.anything");
    }

    @Test
    void stateHooks() {
        Hook host = define("TYPE = state\nCOMMAND = x\nRESOURCE = host\nSTATE = error");
        assertThat(host.resource()).isEqualTo(HookResource.HOST);
        assertThat(host.template().get("STATE")).isEqualTo("ERROR");
        assertThat(host.matchesState(3, -1)).isTrue();
        assertThat(host.matchesState(2, -1)).isFalse();

        Hook vm = define("TYPE = state\nCOMMAND = x\nRESOURCE = VM\nON = running");
        assertThat(vm.template().get("STATE")).isEqualTo("ACTIVE");
        assertThat(vm.template().get("LCM_STATE")).isEqualTo("RUNNING");
        assertThat(vm.matchesState(3, 3)).isTrue();
        assertThat(vm.matchesState(3, 2)).isFalse();
        Hook custom = define("TYPE = state\nCOMMAND = x\nRESOURCE = VM\nON = CUSTOM\nSTATE = POWEROFF\nLCM_STATE = LCM_INIT");
        assertThat(custom.matchesState(8, 0)).isTrue();

        Hook image = define("TYPE = state\nCOMMAND = x\nRESOURCE = IMAGE\nSTATE = ready");
        assertThat(image.matchesState(1, -1)).isTrue();
        Hook net = define("TYPE = state\nCOMMAND = x\nRESOURCE = VNET\nSTATE = ERROR");
        assertThat(net.resource()).isEqualTo(HookResource.NET);
        assertThat(net.matchesState(5, -1)).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "TYPE = api\\nCALL = one.vm.allocate | No COMMAND in template for Hook.",
        "COMMAND = x | No TYPE or invalid one in template for Hook.",
        "COMMAND = x\\nTYPE = api\\nCALL = one.vm.nothing | API call does not exist or is not supported: one.vm.nothing",
        "COMMAND = x\\nTYPE = api | API call does not exist or is not supported: ",
        "COMMAND = x\\nTYPE = api\\nCALL = one.vm.allocate\\nREMOTE = YES | REMOTE hooks are not supported: Nimbo runs hooks on the front-end only, set REMOTE = NO or leave it out.",
        "COMMAND = x\\nTYPE = state | RESOURCE attribute is required for STATE hooks.",
        "COMMAND = x\\nTYPE = state\\nRESOURCE = ZONE | Invalid resource type: ZONE",
        "COMMAND = x\\nTYPE = state\\nRESOURCE = HOST\\nSTATE = MONITORING_INIT | Invalid STATE: MONITORING_INIT",
        "COMMAND = x\\nTYPE = state\\nRESOURCE = IMAGE | Hook STATE attribute not found or invalid",
        "COMMAND = x\\nTYPE = state\\nRESOURCE = IMAGE\\nSTATE = INIT | Invalid or unkown STATE condition: INIT",
        "COMMAND = x\\nTYPE = state\\nRESOURCE = NET\\nSTATE = INIT | Invalid STATE: INIT",
        "COMMAND = x\\nTYPE = state\\nRESOURCE = VM | Unkown state condition: ",
        "COMMAND = x\\nTYPE = state\\nRESOURCE = VM\\nON = CUSTOM\\nSTATE = ACTIVE\\nLCM_STATE = DANCING | Wrong LCM_STATE: DANCING",
        "COMMAND = x\\nTYPE = state\\nRESOURCE = VM\\nON = CUSTOM\\nSTATE = LIMBO | Wrong STATE: LIMBO",
    })
    void invalidDefinitions(String template, String message) {
        assertThatThrownBy(() -> define(template.replace("\\n", "\n"))).isInstanceOf(HookException.class)
                .satisfies(e -> assertThat(e.getMessage().strip()).isEqualTo(message));
    }

    @Test
    void updatesAreChecked() {
        Hook h = define("TYPE = api\nCOMMAND = x\nCALL = one.vm.allocate");
        assertThat(h.withTemplateChecked(Template.parse("COMMAND = y\nCALL = one.user.allocate\nTYPE = state"), CALLS).call())
                .isEqualTo("one.user.allocate");
        assertThat(h.withTemplateChecked(Template.parse("COMMAND = y\nCALL = one.user.allocate\nTYPE = state"), CALLS)
                .hookType()).isEqualTo(HookType.API);
        assertThatThrownBy(() -> h.withTemplateChecked(Template.parse("CALL = one.vm.allocate"), CALLS))
                .hasMessage("The COMMAND attribute is not defined.");
        assertThatThrownBy(() -> h.withTemplateChecked(Template.parse("COMMAND = y\nCALL = one.vm.info"), CALLS))
                .hasMessage("The CALL attribute is not defined or it's invalid.");
        Hook s = define("TYPE = state\nCOMMAND = x\nRESOURCE = HOST\nSTATE = ERROR");
        assertThatThrownBy(() -> s.withTemplateChecked(Template.parse("COMMAND = y\nRESOURCE = HOST\nSTATE = LOST"), CALLS))
                .hasMessage("The STATE attribute is not defined or it's invalid.");
        assertThat(s.withTemplateChecked(Template.parse("COMMAND = y\nRESOURCE = HOST\nSTATE = disabled"), CALLS)
                .matchesState(4, -1)).isTrue();
    }

    @Test
    void hookSettings() {
        Hook h = define("TYPE = api\nCOMMAND = x\nCALL = one.vm.allocate\nARGUMENTS_STDIN = Yes\nTIMEOUT = 30");
        assertThat(h.argumentsOnStdin()).isTrue();
        assertThat(h.timeoutSeconds()).isEqualTo(30);
        Hook d = define("TYPE = api\nCOMMAND = x\nCALL = one.vm.allocate\nTIMEOUT = soon");
        assertThat(d.argumentsOnStdin()).isFalse();
        assertThat(d.timeoutSeconds()).isZero();
    }

    @Test
    void theLogKeepsTheNewestExecutionsNumberedOnward() {
        Hook h = define("TYPE = api\nCOMMAND = x\nCALL = one.vm.allocate");
        for (int i = 0; i < 13; i++) {
            h = h.withExecution(new HookExecution(-1, -1, 1000 + i, "arg" + i, "x arg" + i,
                    HookExecution.encode("out" + i), HookExecution.encode(""), i % 2, i == 12), 10);
        }
        assertThat(h.log()).hasSize(10);
        assertThat(h.log()).extracting(HookExecution::executionId).containsExactly(3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        assertThat(h.log()).allMatch(e -> e.hookId() == 3);
        assertThat(h.execution(12).retry()).isTrue();
        assertThat(h.execution(12).stdout()).isEqualTo("out12");
        assertThat(h.execution(2)).isNull();
        assertThat(h.nextExecutionId()).isEqualTo(13);

        String xml = h.toXml();
        assertThat(xml).contains("<HOOK_EXECUTION_RECORD><HOOK_ID>3</HOOK_ID><EXECUTION_ID>12</EXECUTION_ID>"
                + "<TIMESTAMP>1012</TIMESTAMP><ARGUMENTS>arg12</ARGUMENTS><EXECUTION_RESULT><COMMAND>x arg12</COMMAND>"
                + "<STDOUT>b3V0MTI=</STDOUT><STDERR></STDERR><CODE>0</CODE></EXECUTION_RESULT><RETRY>yes</RETRY>"
                + "</HOOK_EXECUTION_RECORD></HOOKLOG></HOOK>");
        assertThat(Hook.fromXml(XmlNode.parse(xml))).isEqualTo(h);
        StringBuilder pool = new StringBuilder();
        h.writeXml(new dev.nimbo.core.xml.XmlWriter(pool), false);
        assertThat(pool.toString()).doesNotContain("HOOKLOG");
    }
}
