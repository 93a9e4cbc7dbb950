package dev.nimbo.server.hook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.hook.Hook;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hook manager's parts that need no daemon: argument building, $API documents, state probing, running. */
class HookPiecesTest {
    @TempDir
    Path dir;

    static Hook hook(String args) {
        return Hook.define(1, "h", Template.parse("TYPE = api\nCOMMAND = x\nCALL = one.vm.allocate\n" + args),
                Set.of("one.vm.allocate")::contains);
    }

    @Test
    void argumentsReplacePlaceholdersWordByWord() {
        assertThat(HookManager.arguments(hook("ARGUMENTS = \"  $API  one $TEMPLATE two \""), "AAA", "TTT"))
                .isEqualTo("AAA one TTT two");
        assertThat(HookManager.arguments(hook("ARGUMENTS = \"$TEMPLATE x\""), "AAA", "")).isEqualTo("x");
        assertThat(HookManager.arguments(hook(""), "AAA", "")).isEmpty();
    }

    @Test
    void callInfoHidesSecretsAndCarriesTheOutcome() {
        String xml = ApiCallInfo.xml("one.user.allocate", List.of("oneadmin:pw", "bob", "secret", "core", List.of(1, 100)),
                true, 7, 0, -1, "<USER><ID>7</ID></USER>");
        XmlNode info = XmlNode.parse(xml);
        List<XmlNode> p = info.child("PARAMETERS").all("PARAMETER");
        assertThat(p).extracting(n -> n.text("POSITION") + n.text("TYPE") + "=" + n.text("VALUE")).containsExactly(
                "1IN=****", "2IN=bob", "3IN=****", "4IN=core", "5IN=1,100", "1OUT=true", "2OUT=7", "3OUT=0");
        assertThat(info.child("EXTRA").child("USER").text("ID")).isEqualTo("7");

        XmlNode failed = XmlNode.parse(ApiCallInfo.xml("one.vm.deploy", List.of("s", 3, true, "<x>&"), false,
                "[one.vm.deploy] nope", 0x800, 3, null));
        assertThat(failed.text("RESULT")).isEqualTo("0");
        assertThat(failed.child("PARAMETERS").all("PARAMETER")).extracting(n -> n.text("VALUE"))
                .containsExactly("****", "3", "1", "<x>&", "false", "[one.vm.deploy] nope", "2048", "3");
        assertThat(new String(Base64.getDecoder().decode(ApiCallInfo.base64("m.x", List.of("s"), true, 1, 0, -1, null)),
                StandardCharsets.UTF_8)).startsWith("<CALL_INFO><RESULT>1</RESULT>");
    }

    @Test
    void statesAreReadFromTheTopLevelOnly() {
        assertThat(StateProbe.read("<VM><ID>1</ID><STATE>3</STATE><LCM_STATE>3</LCM_STATE><TEMPLATE><STATE>9</STATE></TEMPLATE></VM>"))
                .containsExactly(3, 3);
        assertThat(StateProbe.read("<HOST><ID>1</ID><HOST_SHARE><STATE>7</STATE></HOST_SHARE><STATE>2</STATE></HOST>"))
                .containsExactly(2, -1);
        assertThat(StateProbe.read("<IMAGE><TEMPLATE><STATE>1</STATE></TEMPLATE><STATE>4</STATE></IMAGE>"))
                .as("states come before the template").containsExactly(-1, -1);
        assertThat(StateProbe.read("not xml")).containsExactly(-1, -1);
    }

    @Test
    void runnerCapturesOutputCodeAndStdin() {
        HookRunner.Result r = HookRunner.run("/bin/sh -c", "exit_3", false, 0, dir);
        assertThat(HookRunner.words("  a  b\tc ")).containsExactly("a", "b", "c");
        assertThat(r.code()).isNotZero(); // "exit_3" is not a command: the shell says so
        HookRunner.Result cat = HookRunner.run("/bin/cat", "piped in", true, 5, dir);
        assertThat(cat.code()).isZero();
        assertThat(new String(cat.stdout(), StandardCharsets.UTF_8)).isEqualTo("piped in");
        assertThat(cat.command()).isEqualTo("/bin/cat");
        HookRunner.Result big = HookRunner.run("/usr/bin/head -c 100000 /dev/zero", "", false, 5, dir);
        assertThat(big.stdout().length).isLessThan(HookRunner.MAX_OUTPUT + 100);
        assertThat(new String(big.stdout(), StandardCharsets.UTF_8)).endsWith("[nimbo: output truncated, "
                + (100000 - HookRunner.MAX_OUTPUT) + " more bytes]\n");
        HookRunner.Result missing = HookRunner.run(HookRunner.resolve("nope.sh", dir), "", false, 0, dir);
        assertThat(missing.code()).isEqualTo(255);
        assertThat(new String(missing.stderr(), StandardCharsets.UTF_8)).startsWith("Internal error").contains("nope.sh");
        assertThat(HookRunner.resolve("/abs/x.sh", dir)).isEqualTo("/abs/x.sh");
    }
}
