package dev.nimbo.server.auth.ldap;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.server.config.YamlLite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LDAP group DN → Nimbo group ID, for one server. Two sources, as OpenNebula's: the groups' templates (the
 * attribute named by {@code mapping_key}, e.g. {@code GROUP_DN="cn=devs,ou=groups,dc=example,dc=org"}, read
 * live from the published state rather than through a generated file), and an optional mapping file
 * ({@code DN: 'ID'} lines), re-read when it changes. DNs compare in normalised form (case, spacing).
 * Thread-safe: the file's parsed map is replaced atomically.
 */
final class GroupMapping {
    private static final Logger log = LoggerFactory.getLogger(GroupMapping.class);

    private record FileState(FileTime modified, Map<String, Integer> map) {
    }

    private final LdapServer server;
    private final ObjectsView view;
    private volatile FileState file = new FileState(null, Map.of());

    GroupMapping(LdapServer server, ObjectsView view) {
        this.server = server;
        this.view = view;
    }

    /** The Nimbo groups for these LDAP group DNs, in the order of the DNs; unmapped DNs are skipped. */
    List<Integer> groupsFor(List<String> groupDns) {
        Map<String, Integer> map = new HashMap<>(fileMap());
        if (server.mappingKey() != null) {
            for (PoolObject o : view.list(ObjectType.GROUP)) {
                String dn = ((Group) o).template().get(server.mappingKey());
                if (dn != null && !dn.isBlank()) {
                    map.putIfAbsent(normalize(dn), o.id());
                }
            }
        }
        Set<Integer> out = new LinkedHashSet<>();
        for (String dn : groupDns) {
            Integer gid = map.get(normalize(dn));
            if (gid != null) {
                out.add(gid);
            }
        }
        return new ArrayList<>(out);
    }

    private Map<String, Integer> fileMap() {
        Path p = server.mappingFile();
        if (p == null) {
            return Map.of();
        }
        try {
            FileTime modified = Files.getLastModifiedTime(p);
            FileState current = file;
            if (modified.equals(current.modified())) {
                return current.map();
            }
            Map<String, Integer> parsed = new HashMap<>();
            for (Map.Entry<String, Object> e : YamlLite.parse(Files.readString(p)).entrySet()) {
                try {
                    parsed.put(normalize(e.getKey()), Integer.parseInt(String.valueOf(e.getValue()).strip()));
                } catch (NumberFormatException bad) {
                    log.warn("LDAP mapping file {}: '{}' maps to '{}', not a group ID; ignored", p, e.getKey(), e.getValue());
                }
            }
            file = new FileState(modified, Map.copyOf(parsed));
            return parsed;
        } catch (IOException | IllegalArgumentException e) {
            log.warn("LDAP mapping file {} cannot be read ({}); using its previous contents", p, e.getMessage());
            return file.map();
        }
    }

    static String normalize(String dn) {
        try {
            return new DN(dn).toNormalizedString();
        } catch (LDAPException e) {
            return dn.strip().toLowerCase(Locale.ROOT);
        }
    }
}
