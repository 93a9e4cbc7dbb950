package dev.nimbo.server.hook;

import dev.nimbo.core.xml.XmlWriter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.nio.charset.StandardCharsets;

/**
 * The CALL_INFO document an API hook receives as {@code $API} (api_info.xsd), base64-encoded as OpenNebula's
 * hook execution manager passes it: RESULT, the IN parameters (position 1 is the session, always hidden, as are
 * passwords), the OUT values of the response (success, value, error code and, on failure, the object ID) and,
 * for allocate and delete calls, the object's document in EXTRA. Stateless.
 */
final class ApiCallInfo {
    private static final String HIDDEN = "****";
    /** Parameter positions (0 = session) OpenNebula hides from logs and hooks, per method. */
    private static final Map<String, Set<Integer>> SECRETS = Map.of(
            "one.user.allocate", Set.of(2),
            "one.user.passwd", Set.of(2),
            "one.user.login", Set.of(2),
            "one.user.chauth", Set.of(3));

    private ApiCallInfo() {
    }

    static String base64(String method, List<Object> params, boolean success, Object value, int errorCode,
                         int objectId, String extra) {
        return Base64.getEncoder().encodeToString(
                xml(method, params, success, value, errorCode, objectId, extra).getBytes(StandardCharsets.UTF_8));
    }

    static String xml(String method, List<Object> params, boolean success, Object value, int errorCode, int objectId,
                      String extra) {
        Set<Integer> secret = SECRETS.getOrDefault(method, Set.of());
        XmlWriter w = new XmlWriter(new StringBuilder(512 + (extra == null ? 0 : extra.length())));
        w.open("CALL_INFO").element("RESULT", success ? 1 : 0).open("PARAMETERS");
        for (int i = 0; i < params.size(); i++) {
            String v = i == 0 || secret.contains(i) ? HIDDEN : text(params.get(i), false);
            parameter(w, i + 1, "IN", v);
        }
        parameter(w, 1, "OUT", success ? "true" : "false");
        parameter(w, 2, "OUT", text(value, true));
        parameter(w, 3, "OUT", String.valueOf(errorCode));
        if (!success) {
            parameter(w, 4, "OUT", String.valueOf(objectId));
        }
        w.close("PARAMETERS").open("EXTRA");
        if (extra != null) {
            w.raw(extra);
        }
        w.close("EXTRA").close("CALL_INFO");
        return w.toString();
    }

    private static void parameter(XmlWriter w, int position, String type, String value) {
        w.open("PARAMETER").element("POSITION", position).element("TYPE", type).element("VALUE", value)
                .close("PARAMETER");
    }

    /** As OpenNebula prints values: IN booleans as 1/0, OUT booleans as true/false, arrays comma-joined. */
    private static String text(Object v, boolean out) {
        return switch (v) {
            case null -> "";
            case Boolean b -> out ? String.valueOf(b) : (b ? "1" : "0");
            case List<?> l -> {
                StringBuilder b = new StringBuilder();
                for (Object o : l) {
                    b.append(b.isEmpty() ? "" : ",").append(text(o, out));
                }
                yield b.toString();
            }
            case byte[] bytes -> Base64.getEncoder().encodeToString(bytes);
            case Map<?, ?> m -> "";
            default -> String.valueOf(v);
        };
    }
}
