package dev.nimbo.client;

import java.util.List;

/**
 * OpenNebula's response envelope {@code [ok, value, errorCode, (objectId), …]}: on success {@code value}
 * is the result (id, XML document, …); on failure it is the error message.
 */
public record OneResponse(boolean ok, Object value, int errorCode) {

    /** Reads an envelope; anything that is not {@code [boolean, value, (int), …]} is an error. */
    public static OneResponse of(Object decoded) {
        if (!(decoded instanceof List<?> list) || list.size() < 2 || !(list.get(0) instanceof Boolean ok)) {
            throw new OneClientException("unexpected response, not an OpenNebula envelope: " + brief(decoded));
        }
        int code = list.size() > 2 && list.get(2) instanceof Number n ? n.intValue() : 0;
        return new OneResponse(ok, list.get(1), code);
    }

    /** The error message when {@code !ok}; null on success. */
    public String message() {
        return ok ? null : String.valueOf(value);
    }

    /** The value as an int (object ids); a failed call or a non-integer value throws with the message. */
    public int intValue() {
        if (ok) {
            if (value instanceof Integer i) {
                return i;
            }
            if (value instanceof Long l && l == l.intValue()) {
                return l.intValue();
            }
            if (value instanceof String s) {
                try {
                    return Integer.parseInt(s.trim());
                } catch (NumberFormatException ignored) {
                    // reported below
                }
            }
            throw new OneClientException("expected an integer result, got " + brief(value));
        }
        throw new OneClientException(failure());
    }

    /** The value as a string (the XML of info calls; the message when {@code !ok}). */
    public String stringValue() {
        return value == null ? null : String.valueOf(value);
    }

    private String failure() {
        return "call failed (error " + errorCode + "): " + value;
    }

    static String brief(Object o) {
        String s = String.valueOf(o).replaceAll("\\s+", " ");
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
