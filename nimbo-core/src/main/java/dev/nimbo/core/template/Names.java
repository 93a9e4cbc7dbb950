package dev.nimbo.core.template;

import java.util.Locale;

/** Attribute-name rules shared by both syntaxes and the records. */
final class Names {
    static final String RULE = "use letters, digits and '_', not starting with a digit";

    private Names() {
    }

    /**
     * OpenNebula's name token is ASCII letters, digits and underscore. A leading digit is refused as well:
     * such a name could not be an XML element, and the XML form is how templates are stored and served.
     */
    static boolean isNameChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }

    static boolean isValid(String name) {
        if (name.isEmpty() || (name.charAt(0) >= '0' && name.charAt(0) <= '9')) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isNameChar(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Upper-cases a valid name; names are case-insensitive and stored upper-cased, as OpenNebula does. */
    static String normalize(String name) {
        if (name == null || !isValid(name)) {
            throw new TemplateException("invalid attribute name " + Texts.describe(name)
                    + ": " + RULE);
        }
        return name.toUpperCase(Locale.ROOT);
    }

    /** Upper-cases a lookup key without validating it (an invalid key simply matches nothing). */
    static String key(String name) {
        return name.toUpperCase(Locale.ROOT);
    }
}
