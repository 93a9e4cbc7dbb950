package dev.nimbo.core.datastore;

import dev.nimbo.core.template.Template;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The transfer drivers (TM_MAD) Nimbo knows and how each one is used, as OpenNebula's TM_MAD_CONF entries:
 * whether the system datastore is shared between hosts, whether images are linked or copied to the host
 * (LN_TARGET, CLONE_TARGET: NONE, SELF, SYSTEM), the snapshot orphan mode and migration abilities. A datastore's
 * template receives these attributes when its TM_MAD is set, so clients and the scheduler read them there.
 * Immutable.
 *
 * @param systemMode TM_MAD_SYSTEM modes with their targets, for image datastores used from other system
 *                   datastores (e.g. shared images copied by ssh)
 */
public record TmMadConf(String name, boolean shared, String lnTarget, String cloneTarget, String allowOrphans,
                        String driver, boolean dsMigrate, boolean dsLiveMigrate, boolean dsMigrateSnap,
                        Map<String, String> systemMode) {

    private static final Map<String, TmMadConf> KNOWN = new LinkedHashMap<>();

    static {
        Map<String, String> ssh = new LinkedHashMap<>();
        ssh.put("TM_MAD_SYSTEM", "ssh");
        ssh.put("LN_TARGET_SSH", "SYSTEM");
        ssh.put("CLONE_TARGET_SSH", "SYSTEM");
        ssh.put("DISK_TYPE_SSH", "FILE");
        for (TmMadConf c : List.of(
                new TmMadConf("dummy", true, "NONE", "SYSTEM", "NO", null, true, true, true, Map.of()),
                new TmMadConf("shared", true, "NONE", "SYSTEM", "FORMAT", null, true, true, true, ssh),
                new TmMadConf("qcow2", true, "NONE", "SYSTEM", "FORMAT", "qcow2", true, true, true, ssh),
                new TmMadConf("ssh", false, "SYSTEM", "SYSTEM", "YES", null, true, true, true, Map.of()),
                new TmMadConf("local", false, "SYSTEM", "SYSTEM", "FORMAT", null, true, true, true, Map.of()))) {
            KNOWN.put(c.name(), c);
        }
    }

    public TmMadConf {
        systemMode = Map.copyOf(systemMode);
    }

    /** The configuration for a TM_MAD name, or null when Nimbo has no such transfer driver. */
    public static TmMadConf of(String name) {
        return name == null ? null : KNOWN.get(name.trim());
    }

    public static Set<String> names() {
        return new TreeSet<>(KNOWN.keySet());
    }

    /**
     * The datastore template with this driver's attributes set, as oned's set_tm_mad: system datastores get
     * SHARED and the migration flags and lose LN/CLONE targets; image and file datastores get the targets,
     * DRIVER and TM_MAD_SYSTEM modes and lose SHARED; both get ALLOW_ORPHANS and PERSISTENT_SNAPSHOTS.
     */
    public Template applyTo(Template t, int dsType) {
        if (dsType == Datastore.BACKUP_DS) {
            return t;
        }
        if (dsType == Datastore.SYSTEM_DS) {
            t = t.with("SHARED", yesNo(shared)).with("DS_MIGRATE", yesNo(dsMigrate))
                    .with("DS_LIVE_MIGRATE", yesNo(dsLiveMigrate)).with("DS_MIGRATE_SNAP", yesNo(dsMigrateSnap))
                    .without("LN_TARGET").without("CLONE_TARGET");
        } else {
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(systemMode).entrySet()) {
                t = t.with(e.getKey(), e.getValue());
            }
            t = t.with("LN_TARGET", lnTarget).with("CLONE_TARGET", cloneTarget);
            if (driver != null) {
                t = t.with("DRIVER", driver);
            }
            t = t.without("SHARED");
        }
        return t.with("ALLOW_ORPHANS", allowOrphans).with("PERSISTENT_SNAPSHOTS", "YES");
    }

    private static String yesNo(boolean b) {
        return b ? "YES" : "NO";
    }
}
