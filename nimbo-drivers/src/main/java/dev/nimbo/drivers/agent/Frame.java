package dev.nimbo.drivers.agent;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One message of the agent channel: a request ID (0 for messages nobody answers), a type, string attributes and
 * an opaque body (file chunks, XML). Requests and their responses share the ID. Immutable.
 *
 * <p>Types: {@code ENROL}/{@code ENROLLED} (certificate for a token), {@code HELLO}/{@code WELCOME} (a session
 * opened with the host's certificate), {@code PING}/{@code PONG} (heartbeats), {@code REQUEST}/{@code RESPONSE}
 * (a command and its result, {@code op} names it), {@code SAMPLE} (monitoring buffered while the link was down),
 * {@code ERROR} (refused, then closed).
 */
public record Frame(long id, String type, Map<String, String> attrs, byte[] body) {
    public static final String ENROL = "ENROL";
    public static final String ENROLLED = "ENROLLED";
    public static final String HELLO = "HELLO";
    public static final String WELCOME = "WELCOME";
    public static final String PING = "PING";
    public static final String PONG = "PONG";
    public static final String REQUEST = "REQUEST";
    public static final String RESPONSE = "RESPONSE";
    public static final String ERROR = "ERROR";
    /** A monitoring record the agent took while cut off, sent when it is back (body: MONITORING XML). */
    public static final String SAMPLE = "SAMPLE";

    private static final byte[] NONE = new byte[0];

    public Frame {
        attrs = Collections.unmodifiableMap(new TreeMap<>(attrs));
        body = body == null ? NONE : body;
    }

    public static Frame of(String type, Map<String, String> attrs) {
        return new Frame(0, type, attrs, NONE);
    }

    public String attr(String name) {
        return attrs.get(name);
    }

    public String attr(String name, String dflt) {
        return attrs.getOrDefault(name, dflt);
    }

    public long longAttr(String name, long dflt) {
        String v = attrs.get(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** A RESPONSE to this request: success with attributes and body. */
    public Frame ok(Map<String, String> out, byte[] payload) {
        TreeMap<String, String> a = new TreeMap<>(out);
        a.put("ok", "yes");
        return new Frame(id, RESPONSE, a, payload);
    }

    /** A RESPONSE to this request saying why it failed. */
    public Frame failed(String message) {
        return new Frame(id, RESPONSE, Map.of("ok", "no", "message", message == null ? "failed" : message), NONE);
    }

    public boolean succeeded() {
        return "yes".equals(attrs.get("ok"));
    }

    @Override
    public String toString() {
        return type + "#" + id + attrs.keySet() + (body.length > 0 ? "+" + body.length + "B" : "");
    }
}
