package dev.nimbo.core.image;

import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Set;

/**
 * An image (image.xsd): a disk or file registered in a datastore. SOURCE is where the datastore driver keeps it,
 * PATH where it was copied from; SIZE in MB. VMS are the VMs using it (RUNNING_VMS is their count), CLONES the
 * images being cloned from it (CLONING_OPS counts those and APP_CLONES); CLONING_ID is the image this one is being
 * cloned from (-1 when none); TARGET_SNAPSHOT the snapshot a running driver operation works on. State changes go
 * through {@link Images}. A BACKUP image also lists its increments (BACKUP_INCREMENTS, incremental backups only)
 * and the VM disks it holds (BACKUP_DISK_IDS). Immutable: every change is a new version made with {@link #toBuilder()}.
 */
public record Image(int id, String name, int uid, int gid, String uname, String gname, Lock lock,
                    Permissions permissions, ImageType imageType, int diskType, boolean persistent, long regtime,
                    long modtime, String source, String path, String format, String fs, long sizeMb,
                    ImageState state, ImageState prevState, int cloningId, int targetSnapshot, int dsId,
                    String dsName, Set<Integer> vms, Set<Integer> clones, Set<Integer> appClones, Template template,
                    ImageSnapshots snapshots, BackupIncrements increments, Set<Integer> backupDiskIds)
        implements SharedObject<Image> {

    public Image {
        increments = increments == null ? BackupIncrements.EMPTY : increments;
        backupDiskIds = IdSet.of(backupDiskIds == null ? Set.of() : backupDiskIds);
        vms = IdSet.of(vms);
        clones = IdSet.of(clones);
        appClones = IdSet.of(appClones);
        source = source == null ? "" : source;
        path = path == null ? "" : path;
        format = format == null ? "" : format;
        fs = fs == null ? "" : fs;
    }

    @Override
    public ObjectType type() {
        return ObjectType.IMAGE;
    }

    public int runningVms() {
        return vms.size();
    }

    public int cloningOps() {
        return clones.size() + appClones.size();
    }

    /** Image size plus its snapshots: what the datastore quota SIZE holds for it. */
    public long quotaSizeMb() {
        return sizeMb + snapshots.totalSizeMb();
    }

    @Override
    public Image withName(String n) {
        return toBuilder().name(n).build();
    }

    @Override
    public Image withOwner(int u, String un, int g, String gn) {
        return toBuilder().owner(u, un, g, gn).build();
    }

    @Override
    public Image withPermissions(Permissions p) {
        return toBuilder().permissions(p).build();
    }

    @Override
    public Image withLock(Lock l) {
        return toBuilder().lock(l).build();
    }

    @Override
    public Image withTemplate(Template t) {
        return toBuilder().template(t).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A fresh image with defaults (state INIT, no VMs, no snapshots); set what the caller knows. */
    public static Builder builder(int id, String name) {
        return new Builder(new Image(id, name, 0, 0, "", "", Lock.NONE, new Permissions(0600), ImageType.OS,
                DiskType.FILE.code(), false, 0, 0, "", "", "", "", 0, ImageState.INIT, ImageState.INIT, -1, -1, -1, "",
                Set.of(), Set.of(), Set.of(), Template.EMPTY, ImageSnapshots.EMPTY, BackupIncrements.EMPTY, Set.of()));
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("IMAGE").element("ID", id).element("UID", uid).element("GID", gid).element("UNAME", uname)
                .element("GNAME", gname).element("NAME", name);
        lock.writeXml(w);
        permissions.writeXml(w);
        w.element("TYPE", imageType.code()).element("DISK_TYPE", diskType).element("PERSISTENT", persistent ? 1 : 0)
                .element("REGTIME", regtime).element("MODTIME", modtime).element("SOURCE", source)
                .element("PATH", path).element("FORMAT", format).element("FS", fs).element("SIZE", sizeMb)
                .element("STATE", state.code()).element("PREV_STATE", prevState.code())
                .element("RUNNING_VMS", runningVms()).element("CLONING_OPS", cloningOps())
                .element("CLONING_ID", cloningId).element("TARGET_SNAPSHOT", targetSnapshot)
                .element("DATASTORE_ID", dsId).element("DATASTORE", dsName);
        IdSet.write(w, "VMS", vms);
        IdSet.write(w, "CLONES", clones);
        IdSet.write(w, "APP_CLONES", appClones);
        template.writeXml(w);
        snapshots.writeXml(w);
        increments.writeXml(w);
        IdSet.write(w, "BACKUP_DISK_IDS", backupDiskIds);
        w.close("IMAGE");
    }

    public static Image fromXml(XmlNode n) {
        XmlNode t = n.child("TEMPLATE");
        return new Image(n.integer("ID", -1), n.text("NAME"), n.integer("UID", 0), n.integer("GID", 0),
                n.text("UNAME"), n.text("GNAME"), Lock.fromXml(n.child("LOCK")), Permissions.fromXml(n.child("PERMISSIONS")),
                ImageType.of(n.integer("TYPE", 0)), n.integer("DISK_TYPE", 0), n.integer("PERSISTENT", 0) == 1,
                n.longValue("REGTIME", 0), n.longValue("MODTIME", 0), n.text("SOURCE"), n.text("PATH"),
                n.text("FORMAT"), n.text("FS"), n.longValue("SIZE", 0), ImageState.of(n.integer("STATE", 0)),
                ImageState.of(n.integer("PREV_STATE", 0)), n.integer("CLONING_ID", -1),
                n.integer("TARGET_SNAPSHOT", -1), n.integer("DATASTORE_ID", -1), n.text("DATASTORE"),
                IdSet.read(n, "VMS"), IdSet.read(n, "CLONES"), IdSet.read(n, "APP_CLONES"),
                t == null ? Template.EMPTY : Template.fromXml(t), ImageSnapshots.fromXml(n.child("SNAPSHOTS")),
                BackupIncrements.fromXml(n.child("BACKUP_INCREMENTS")), IdSet.read(n, "BACKUP_DISK_IDS"));
    }

    /** Mutable copy of an image's fields for building its next version. Not thread-safe; use and drop. */
    public static final class Builder {
        private int id;
        private String name;
        private int uid;
        private int gid;
        private String uname;
        private String gname;
        private Lock lock;
        private Permissions permissions;
        private ImageType imageType;
        private int diskType;
        private boolean persistent;
        private long regtime;
        private long modtime;
        private String source;
        private String path;
        private String format;
        private String fs;
        private long sizeMb;
        private ImageState state;
        private ImageState prevState;
        private int cloningId;
        private int targetSnapshot;
        private int dsId;
        private String dsName;
        private Set<Integer> vms;
        private Set<Integer> clones;
        private Set<Integer> appClones;
        private Template template;
        private ImageSnapshots snapshots;
        private BackupIncrements increments;
        private Set<Integer> backupDiskIds;

        private Builder(Image i) {
            id = i.id;
            name = i.name;
            uid = i.uid;
            gid = i.gid;
            uname = i.uname;
            gname = i.gname;
            lock = i.lock;
            permissions = i.permissions;
            imageType = i.imageType;
            diskType = i.diskType;
            persistent = i.persistent;
            regtime = i.regtime;
            modtime = i.modtime;
            source = i.source;
            path = i.path;
            format = i.format;
            fs = i.fs;
            sizeMb = i.sizeMb;
            state = i.state;
            prevState = i.prevState;
            cloningId = i.cloningId;
            targetSnapshot = i.targetSnapshot;
            dsId = i.dsId;
            dsName = i.dsName;
            vms = i.vms;
            clones = i.clones;
            appClones = i.appClones;
            template = i.template;
            snapshots = i.snapshots;
            increments = i.increments;
            backupDiskIds = i.backupDiskIds;
        }

        public Builder id(int v) {
            id = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder owner(int u, String un, int g, String gn) {
            uid = u;
            uname = un;
            gid = g;
            gname = gn;
            return this;
        }

        public Builder lock(Lock v) {
            lock = v;
            return this;
        }

        public Builder permissions(Permissions v) {
            permissions = v;
            return this;
        }

        public Builder imageType(ImageType v) {
            imageType = v;
            return this;
        }

        public Builder diskType(int v) {
            diskType = v;
            return this;
        }

        public Builder persistent(boolean v) {
            persistent = v;
            return this;
        }

        public Builder regtime(long v) {
            regtime = v;
            return this;
        }

        public Builder modtime(long v) {
            modtime = v;
            return this;
        }

        public Builder source(String v) {
            source = v;
            return this;
        }

        public Builder path(String v) {
            path = v;
            return this;
        }

        public Builder format(String v) {
            format = v;
            return this;
        }

        public Builder fs(String v) {
            fs = v;
            return this;
        }

        public Builder sizeMb(long v) {
            sizeMb = v;
            return this;
        }

        /** Moves to {@code v}, remembering the state it leaves as PREV_STATE. */
        public Builder state(ImageState v) {
            prevState = state;
            state = v;
            return this;
        }

        public Builder cloningId(int v) {
            cloningId = v;
            return this;
        }

        public Builder targetSnapshot(int v) {
            targetSnapshot = v;
            return this;
        }

        public Builder datastore(int id, String name) {
            dsId = id;
            dsName = name;
            return this;
        }

        public Builder vms(Set<Integer> v) {
            vms = v;
            return this;
        }

        public Builder clones(Set<Integer> v) {
            clones = v;
            return this;
        }

        public Builder appClones(Set<Integer> v) {
            appClones = v;
            return this;
        }

        public Builder template(Template v) {
            template = v;
            return this;
        }

        public Builder snapshots(ImageSnapshots v) {
            snapshots = v;
            return this;
        }

        public Builder increments(BackupIncrements v) {
            increments = v;
            return this;
        }

        public Builder backupDiskIds(Set<Integer> v) {
            backupDiskIds = v;
            return this;
        }

        public Image build() {
            return new Image(id, name, uid, gid, uname, gname, lock, permissions, imageType, diskType, persistent,
                    regtime, modtime, source, path, format, fs, sizeMb, state, prevState, cloningId, targetSnapshot,
                    dsId, dsName, vms, clones, appClones, template, snapshots, increments, backupDiskIds);
        }
    }
}
