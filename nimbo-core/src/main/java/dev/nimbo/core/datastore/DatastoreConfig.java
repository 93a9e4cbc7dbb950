package dev.nimbo.core.datastore;

import dev.nimbo.core.image.DiskType;
import dev.nimbo.core.template.Template;
import java.util.Set;

/**
 * Works out a datastore's TYPE, DS_MAD, TM_MAD, DISK_TYPE and template from what a client sent, with
 * OpenNebula's rules (Datastore::insert and post_update_template): system datastores have no DS_MAD ("-"),
 * the others need one that exists; TM_MAD must exist and adds its attributes (see {@link TmMadConf}); DISK_TYPE
 * must suit the type; backup datastores (BACKUP_DS) have no transfer driver (TM_MAD "-"); a new datastore gets SAFE_DIRS/RESTRICTED_DIRS defaults. Pure; a refusal is an
 * {@link IllegalArgumentException} carrying oned's message.
 */
public final class DatastoreConfig {
    /** Where local image paths may come from when the template says nothing (oned's defaults). */
    public static final String DEFAULT_SAFE_DIRS = "/var/tmp";
    public static final String DEFAULT_RESTRICTED_DIRS = "/";

    private DatastoreConfig() {
    }

    /** The outcome: the datastore's typed fields and its template. */
    public record Resolved(int dsType, String dsMad, String tmMad, int diskType, Template template) {
    }

    /**
     * For one.datastore.allocate. {@code dsMads} are the datastore drivers this daemon runs. The template's
     * NAME and BASE_PATH are dropped (the name is the object's, the path is always the daemon's).
     */
    public static Resolved forCreate(Template t, Set<String> dsMads) {
        t = t.without("NAME").without("BASE_PATH");
        int type = Datastore.parseType(t.get("TYPE"));
        String dsMad = trimmed(t.get("DS_MAD"));
        if (type == Datastore.SYSTEM_DS) {
            if (!dsMad.isEmpty()) {
                throw new IllegalArgumentException("SYSTEM datastores cannot have DS_MAD defined.");
            }
            dsMad = "-";
        } else if (dsMad.isEmpty()) {
            throw new IllegalArgumentException("No DS_MAD in template.");
        } else {
            checkDsMad(dsMad, dsMads);
        }
        String tmMad = trimmed(t.get("TM_MAD"));
        if (type == Datastore.BACKUP_DS) {
            tmMad = "-"; // backups are copied by the datastore driver itself, no transfer driver takes part
        } else {
            t = tm(tmMad, type).applyTo(t, type);
        }
        t = t.with("TYPE", Datastore.typeName(type));
        String requestedDisk = t.get("DISK_TYPE");
        t = t.without("DISK_TYPE");
        int diskType = diskType(requestedDisk == null ? "" : requestedDisk, type);
        if (type != Datastore.FILE_DS && type != Datastore.BACKUP_DS) {
            t = t.with("DISK_TYPE", DiskType.of(diskType).text());
        }
        if (blank(t.get("SAFE_DIRS")) && blank(t.get("RESTRICTED_DIRS"))) {
            t = t.with("SAFE_DIRS", DEFAULT_SAFE_DIRS).with("RESTRICTED_DIRS", DEFAULT_RESTRICTED_DIRS);
        }
        return new Resolved(type, dsMad, tmMad, diskType, t);
    }

    /**
     * For one.datastore.update, given the new (replaced or merged) template: TYPE may change (datastore 0 stays a
     * system datastore), DISK_TYPE and TM_MAD are re-checked, DS_MAD of system datastores is dropped and kept
     * otherwise when absent. Capacity is the caller's to reset when DS_MAD changes.
     */
    public static Resolved forUpdate(Datastore current, Template t, Set<String> dsMads) {
        String typeText = t.get("TYPE");
        int type = blank(typeText) ? current.dsType() : Datastore.parseType(typeText);
        if (current.id() == Datastore.SYSTEM_DS_ID) {
            type = Datastore.SYSTEM_DS;
        } else if (current.dsType() == Datastore.BACKUP_DS) {
            type = Datastore.BACKUP_DS; // as oned: a backup datastore stays one
        }
        t = t.with("TYPE", Datastore.typeName(type));
        int diskType = current.diskType();
        String requestedDisk = t.get("DISK_TYPE");
        t = t.without("DISK_TYPE");
        if (!blank(requestedDisk)) {
            diskType = diskType(requestedDisk, type);
            if (type != Datastore.FILE_DS && type != Datastore.BACKUP_DS) {
                t = t.with("DISK_TYPE", DiskType.of(diskType).text());
            }
        }
        String tmMad = trimmed(t.get("TM_MAD"));
        if (type == Datastore.BACKUP_DS) {
            tmMad = current.dsType() == Datastore.BACKUP_DS ? current.tmMad() : "-";
        } else if (tmMad.isEmpty()) {
            tmMad = current.tmMad();
            t = t.with("TM_MAD", tmMad);
        } else {
            t = tm(tmMad, type).applyTo(t, type);
        }
        String dsMad;
        if (type == Datastore.SYSTEM_DS) {
            dsMad = "-";
            t = t.without("DS_MAD");
        } else {
            dsMad = trimmed(t.get("DS_MAD"));
            if (dsMad.isEmpty()) {
                dsMad = current.dsMad().equals("-") ? "" : current.dsMad();
                if (dsMad.isEmpty()) {
                    throw new IllegalArgumentException("No DS_MAD in template.");
                }
                t = t.with("DS_MAD", dsMad);
            }
            checkDsMad(dsMad, dsMads);
        }
        return new Resolved(type, dsMad, tmMad, diskType, t);
    }

    private static TmMadConf tm(String tmMad, int type) {
        if (tmMad.isEmpty()) {
            throw new IllegalArgumentException("No TM_MAD in template.");
        }
        TmMadConf conf = TmMadConf.of(tmMad);
        if (conf == null) {
            throw new IllegalArgumentException("TM_MAD named \"" + tmMad + "\" is not defined (available: "
                    + String.join(", ", TmMadConf.names()) + ").");
        }
        return conf;
    }

    private static void checkDsMad(String dsMad, Set<String> dsMads) {
        if (!dsMads.contains(dsMad)) {
            throw new IllegalArgumentException("DS_MAD named \"" + dsMad + "\" is not defined (available: "
                    + String.join(", ", new java.util.TreeSet<>(dsMads)) + ").");
        }
    }

    /** oned's set_ds_disk_type: which disk types each datastore type accepts. */
    static int diskType(String text, int dsType) {
        if (dsType == Datastore.FILE_DS || dsType == Datastore.BACKUP_DS) {
            return DiskType.FILE.code();
        }
        DiskType d = text.isBlank() ? DiskType.FILE : DiskType.parse(text);
        if (d == null) {
            throw new IllegalArgumentException("Unknown DISK_TYPE in template.");
        }
        boolean ok = dsType == Datastore.IMAGE_DS
                ? switch (d) {
                    case FILE, BLOCK, ISCSI, RBD, GLUSTER, SHEEPDOG, FILE_SYSTEM -> true;
                    default -> false;
                }
                : switch (d) {
                    case FILE, RBD, BLOCK, FILE_SYSTEM -> true;
                    default -> false;
                };
        if (!ok) {
            throw new IllegalArgumentException(dsType == Datastore.IMAGE_DS
                    ? "Invalid DISK_TYPE for an Image Datastore." : "Invalid DISK_TYPE for a System Datastore.");
        }
        return d.code();
    }

    private static String trimmed(String s) {
        return s == null ? "" : s.trim();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
