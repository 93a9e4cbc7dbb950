package dev.nimbo.server.api;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The method table: every family registers its methods here at start; read-only afterwards. */
public final class ApiRegistry {
    private final Map<String, ApiMethod> methods = new TreeMap<>();

    public ApiRegistry register(String name, ApiMethod method) {
        if (methods.putIfAbsent(name, method) != null) {
            throw new IllegalStateException("method registered twice: " + name);
        }
        return this;
    }

    public ApiMethod find(String name) {
        return methods.get(name);
    }

    public Set<String> names() {
        return methods.keySet();
    }
}
