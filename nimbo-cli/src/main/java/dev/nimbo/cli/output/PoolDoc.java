package dev.nimbo.cli.output;

import dev.nimbo.cli.xml.XmlNode;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** A pool document plus a memo for indexes columns build over it once (e.g. quotas by user id). */
public final class PoolDoc {
    private final XmlNode root;
    private final Map<String, Object> memo = new HashMap<>();

    public PoolDoc(XmlNode root) {
        this.root = root;
    }

    public XmlNode root() {
        return root;
    }

    @SuppressWarnings("unchecked")
    public <T> T memo(String key, Function<XmlNode, T> build) {
        return (T) memo.computeIfAbsent(key, k -> build.apply(root));
    }
}
