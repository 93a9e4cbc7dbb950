package dev.nimbo.core.obj;

/** OpenNebula's rules for object names: not empty, at most 128 characters, none of a set of characters. */
public final class NameRules {
    /** Characters no object name may contain (they break the CLI, templates or XML). */
    public static final String INVALID_CHARS = "&|:\\\";/'#{}$<>\t\n\u000b\f\r";
    /** Users additionally may not contain spaces: the session string is "user:secret". */
    public static final String USER_EXTRA_INVALID = " :";
    public static final int MAX_LENGTH = 128;

    private NameRules() {
    }

    /** The reason the name is invalid, or null when it is valid. */
    public static String problem(String name, String extraInvalid) {
        if (name == null || name.isEmpty()) {
            return "Invalid NAME, it cannot be empty";
        }
        String invalid = INVALID_CHARS + extraInvalid;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (invalid.indexOf(c) >= 0 || Character.isISOControl(c)) {
                return "Invalid NAME, char '" + printable(c) + "' is not allowed";
            }
        }
        if (name.length() > MAX_LENGTH) {
            return "Invalid NAME, max length is " + MAX_LENGTH + " chars";
        }
        return null;
    }

    private static String printable(char c) {
        return Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
