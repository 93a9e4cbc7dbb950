package dev.nimbo.core.datastore;

import dev.nimbo.core.template.Template;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which local paths a datastore may copy images from: its SAFE_DIRS and RESTRICTED_DIRS (space-separated
 * directories). A path under a safe directory is allowed; otherwise a path under a restricted directory is
 * refused. Without RESTRICTED_DIRS everything is restricted ("/"), and without either list SAFE_DIRS is
 * /var/tmp, so by default only paths under SAFE_DIRS pass. Matching is by whole path components after
 * normalisation ("/var/tmp" does not cover "/var/tmpx", ".." cannot climb out). Drivers check again on the
 * real path, symbolic links resolved. Pure.
 */
public final class SafeDirs {
    private SafeDirs() {
    }

    /** Null when {@code path} may be read for this datastore, else the reason it may not. */
    public static String refusal(Template dsTemplate, String path) {
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            return "Invalid image path " + path;
        }
        if (!p.isAbsolute()) {
            return "Image path " + path + " must be absolute";
        }
        return allowed(dsTemplate, p.normalize()) ? null
                : "Not allowed to copy image from " + path + ", check SAFE_DIRS in your datastore";
    }

    /** True when the normalised absolute {@code p} passes the datastore's lists. */
    public static boolean allowed(Template dsTemplate, Path p) {
        List<Path> safe = dirs(dsTemplate.get("SAFE_DIRS"));
        List<Path> restricted = dirs(dsTemplate.get("RESTRICTED_DIRS"));
        if (safe.isEmpty() && restricted.isEmpty()) {
            safe = List.of(Path.of(DatastoreConfig.DEFAULT_SAFE_DIRS));
        }
        if (restricted.isEmpty()) {
            restricted = List.of(Path.of("/"));
        }
        for (Path s : safe) {
            if (p.startsWith(s)) {
                return true;
            }
        }
        for (Path r : restricted) {
            if (p.startsWith(r)) {
                return false;
            }
        }
        return true;
    }

    private static List<Path> dirs(String list) {
        List<Path> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (String d : list.trim().split("\\s+")) {
            if (d.isEmpty()) {
                continue;
            }
            try {
                Path p = Path.of(d);
                if (p.isAbsolute()) {
                    out.add(p.normalize());
                }
            } catch (InvalidPathException ignored) {
                // a malformed entry protects nothing and allows nothing
            }
        }
        return out;
    }
}
