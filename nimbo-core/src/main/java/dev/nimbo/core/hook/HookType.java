package dev.nimbo.core.hook;

import java.util.Locale;

/** API hooks run after an API call; STATE hooks when an object reaches a state. Shown lower-case in the XML. */
public enum HookType {
    API, STATE;

    public String xmlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "api" or "state" in any case; null otherwise. */
    public static HookType parse(String s) {
        if (s == null) {
            return null;
        }
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "api" -> API;
            case "state" -> STATE;
            default -> null;
        };
    }
}
