package dev.nimbo.server.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed reads from one map of a {@link YamlLite} document, with errors that name the setting's full path
 * ({@code ldap.server 1.port}). Immutable; thread-safe.
 */
public record Section(String path, Map<String, Object> values) {

    public Section {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Section of(Map<String, Object> root) {
        return new Section("", root);
    }

    /** A bad setting: the daemon refuses to start and prints this. */
    public static final class ConfigException extends IllegalArgumentException {
        public ConfigException(String message) {
            super(message);
        }
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public String name(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public String string(String key, String dflt) {
        Object v = values.get(key);
        if (v == null || (v instanceof String s && s.isEmpty())) {
            return dflt;
        }
        if (!(v instanceof String s)) {
            throw new ConfigException(name(key) + " must be a single value");
        }
        return s;
    }

    public int integer(String key, int dflt) {
        String v = string(key, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(name(key) + " must be an integer, got '" + v + "'");
        }
    }

    public boolean bool(String key, boolean dflt) {
        String v = string(key, null);
        if (v == null) {
            return dflt;
        }
        return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(name(key) + " must be true or false, got '" + v + "'");
        };
    }

    /** Seconds (fractions allowed) as a duration. */
    public Duration seconds(String key, Duration dflt) {
        String v = string(key, null);
        if (v == null) {
            return dflt;
        }
        try {
            double s = Double.parseDouble(v.strip());
            if (s >= 0 && s < 1e9) {
                return Duration.ofMillis((long) (s * 1000));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(name(key) + " must be a number of seconds, got '" + v + "'");
    }

    /** A list of scalars; a single scalar (or a comma-separated one) counts as a list too. */
    public List<String> strings(String key) {
        Object v = values.get(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
            return out;
        }
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw new ConfigException(name(key) + " must be a list of values");
                }
                out.add(s);
            }
            return out;
        }
        throw new ConfigException(name(key) + " must be a list of values");
    }

    /** The raw value (a String, a List or a Map), or null. */
    public Object raw(String key) {
        return values.get(key);
    }

    /** A nested map; an absent key gives an empty section. */
    @SuppressWarnings("unchecked")
    public Section section(String key) {
        Object v = values.get(key);
        if (v == null || (v instanceof String s && s.isEmpty())) {
            return new Section(name(key), Map.of());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new ConfigException(name(key) + " must be a map of settings");
        }
        return new Section(name(key), (Map<String, Object>) m);
    }
}
