package dev.nimbo.core.hook;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One run of a hook as its log keeps it (hook.xsd HOOK_EXECUTION_RECORD): the arguments it got (the text with
 * $API / $TEMPLATE already replaced; what a retry reuses), the command line, its standard output and error
 * (kept base64-encoded, as they are shown), the exit code, and whether it was a retry. Immutable.
 */
public record HookExecution(int hookId, int executionId, long timestamp, String arguments, String command,
                            String stdoutBase64, String stderrBase64, int code, boolean retry) {

    public static String encode(byte[] raw) {
        return Base64.getEncoder().encodeToString(raw);
    }

    public static String encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The output as text (invalid UTF-8 replaced). */
    public String stdout() {
        return decode(stdoutBase64);
    }

    public String stderr() {
        return decode(stderrBase64);
    }

    private static String decode(String b64) {
        return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    public boolean succeeded() {
        return code == 0;
    }

    public HookExecution withIds(int newHookId, int newExecutionId) {
        return new HookExecution(newHookId, newExecutionId, timestamp, arguments, command, stdoutBase64, stderrBase64,
                code, retry);
    }

    public void writeXml(XmlWriter w) {
        w.open("HOOK_EXECUTION_RECORD").element("HOOK_ID", hookId).element("EXECUTION_ID", executionId)
                .element("TIMESTAMP", timestamp).element("ARGUMENTS", arguments);
        w.open("EXECUTION_RESULT").element("COMMAND", command).element("STDOUT", stdoutBase64)
                .element("STDERR", stderrBase64).element("CODE", code).close("EXECUTION_RESULT");
        if (retry) {
            w.element("RETRY", "yes");
        }
        w.close("HOOK_EXECUTION_RECORD");
    }

    public static HookExecution fromXml(XmlNode r) {
        XmlNode res = r.child("EXECUTION_RESULT");
        return new HookExecution(r.integer("HOOK_ID", -1), r.integer("EXECUTION_ID", -1), r.longValue("TIMESTAMP", 0),
                r.text("ARGUMENTS"), res == null ? "" : res.text("COMMAND"), res == null ? "" : res.text("STDOUT"),
                res == null ? "" : res.text("STDERR"), res == null ? 255 : res.integer("CODE", 255),
                "yes".equalsIgnoreCase(r.text("RETRY")));
    }
}
