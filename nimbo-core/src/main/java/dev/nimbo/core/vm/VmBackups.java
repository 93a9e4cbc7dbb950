package dev.nimbo.core.vm;

import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.image.BackupIncrements;
import dev.nimbo.core.image.DiskType;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A VM's backups, as oned keeps them: BACKUPS/BACKUP_CONFIG (FS_FREEZE, KEEP_LAST, BACKUP_VOLATILE, DISK_IDS, MODE
 * FULL or INCREMENT with INCREMENT_MODE, and the bookkeeping INCREMENTAL_BACKUP_ID, LAST_INCREMENT_ID,
 * LAST_DATASTORE_ID, LAST_BACKUP_ID, LAST_BACKUP_SIZE) and BACKUPS/BACKUP_IDS (the BACKUP images of the VM).
 *
 * <p>A backup starts with {@link #stage} (the target datastore noted, the chain reset on request) while its caller
 * reserves the datastore quota of {@link #reservation}; the driver's answer is noted with {@link #noteResult} and
 * {@link #settle} then creates the backup image (a FULL backup, or the first of a chain) or adds an increment to
 * the chain's image, applies KEEP_LAST and trims the reservation to the real size; a failure gives it all back.
 * Images that KEEP_LAST drops go to DELETE for the storage manager. Controller thread only; static functions.
 */
public final class VmBackups {
    /** The backup image's permissions: oned allocates it with umask 0177. */
    static final Permissions IMAGE_PERMISSIONS = new Permissions(0600);
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("dd-MMM HH.mm.ss", Locale.ROOT);

    public static final String KEEP_LAST = "KEEP_LAST";
    public static final String MODE = "MODE";
    public static final String INCREMENTAL_BACKUP_ID = "INCREMENTAL_BACKUP_ID";
    public static final String LAST_INCREMENT_ID = "LAST_INCREMENT_ID";
    public static final String LAST_DATASTORE_ID = "LAST_DATASTORE_ID";
    public static final String LAST_BACKUP_ID = "LAST_BACKUP_ID";
    public static final String LAST_BACKUP_SIZE = "LAST_BACKUP_SIZE";

    private VmBackups() {
    }

    // ------------------------------------------------------------------ configuration

    /** MODE INCREMENT (anything else is FULL, as oned's str_to_mode). */
    public static boolean incremental(Template config) {
        return "INCREMENT".equalsIgnoreCase(strip(config.get(MODE)));
    }

    public static boolean doVolatile(Template config) {
        return isYes(config.get("BACKUP_VOLATILE"));
    }

    public static int keepLast(Template config) {
        return intOr(config.get(KEEP_LAST), 0);
    }

    /** The disks a backup may hold: not swap, CD-ROMs or file systems, and volatile ones only when asked. */
    public static List<Integer> eligibleDiskIds(VirtualMachine vm, boolean doVolatile) {
        List<Integer> ids = new ArrayList<>();
        for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
            String type = upper(d.get("TYPE"));
            if (type.equals("SWAP") || type.equals("CDROM") || type.equals("RBD_CDROM") || type.equals("FILESYSTEM")
                    || (type.equals("FS") && !doVolatile)) {
                continue;
            }
            int id = intOr(d.get("DISK_ID"), -1);
            if (id >= 0) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** The disks the next backup holds: DISK_IDS when configured, else every eligible disk. */
    public static List<Integer> diskIds(VirtualMachine vm) {
        List<Integer> configured = parseDiskIds(vm.backupConfig().get("DISK_IDS"));
        return configured == null || configured.isEmpty() ? eligibleDiskIds(vm, doVolatile(vm.backupConfig()))
                : configured;
    }

    /** The MB the next backup may take at most: the SIZE of the disks it holds (oned's backup_size). */
    public static long backupSize(VirtualMachine vm) {
        Set<Integer> ids = new TreeSet<>(diskIds(vm));
        long size = 0;
        for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
            if (ids.contains(intOr(d.get("DISK_ID"), -1))) {
                size += (long) Math.max(0, doubleOr(d.get("SIZE")));
            }
        }
        return size;
    }

    /**
     * Whether the VM's disks allow incremental backups (oned's backup_increment): no qcow2 disk with snapshots, no
     * raw disk on a file-copying transfer driver; system snapshots rule it out too.
     */
    public static boolean canIncrement(VirtualMachine vm, boolean doVolatile) {
        if (!vm.vmTemplate().vectors("SNAPSHOT").isEmpty()) {
            return false;
        }
        Set<String> rawTms = Set.of("SSH", "LOCAL", "SHARED", "QCOW2");
        for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
            String type = upper(d.get("TYPE"));
            if (type.equals("SWAP") || type.equals("FILESYSTEM") || (type.equals("FS") && !doVolatile)) {
                continue;
            }
            String format = upper(d.get("FORMAT"));
            String tm = upper(d.get("TM_MAD"));
            ImageSnapshotsView snaps = new ImageSnapshotsView(vm, intOr(d.get("DISK_ID"), -1));
            if ((format.equals("QCOW2") && snaps.any()) || (format.equals("RAW") && rawTms.contains(tm))) {
                return false;
            }
        }
        return true;
    }

    private record ImageSnapshotsView(VirtualMachine vm, int diskId) {
        boolean any() {
            var s = vm.diskSnapshots().get(diskId);
            return s != null && !s.isEmpty();
        }
    }

    /**
     * The VM's BACKUP_CONFIG after {@code update}'s BACKUP_CONFIG vector (none: unchanged), as oned's Backups::parse:
     * KEEP_LAST (negative is 0), BACKUP_VOLATILE, DISK_IDS (each an eligible disk), FS_FREEZE (NONE, AGENT or
     * SUSPEND), MODE and INCREMENT_MODE (CBT or SNAPSHOT); a changed mode, disk set or volatile choice restarts
     * the increment chain. Replace mode ({@code append} false) resets what the update leaves out. Refused with
     * INTERNAL when MODE INCREMENT is asked of a VM that cannot use it.
     */
    public static Template configure(VirtualMachine vm, Template update, boolean append) {
        List<VectorAttribute> vs = update.vectors("BACKUP_CONFIG");
        if (vs.isEmpty()) {
            return vm.backupConfig();
        }
        VectorAttribute cfg = vs.get(0);
        Template c = vm.backupConfig();
        boolean wasVolatile = doVolatile(c);
        String vol = cfg.get("BACKUP_VOLATILE");
        boolean volatileNow = vol != null && !vol.isBlank() ? isYes(vol) : append && wasVolatile;
        boolean increment = canIncrement(vm, volatileNow);
        String modeText = strip(cfg.get(MODE));
        if (!modeText.isEmpty() && !increment && modeText.equalsIgnoreCase("INCREMENT")) {
            throw ApiException.internal("VM cannot use backup increment mode" + (vm.vmTemplate().vectors("SNAPSHOT")
                    .isEmpty() ? ", it has disks snapshots or disks are not qcow2." : ", it has snapshots."));
        }
        String keep = cfg.get(KEEP_LAST);
        if (keep != null && !keep.isBlank()) {
            int k;
            try {
                k = Integer.parseInt(keep.strip());
            } catch (NumberFormatException e) {
                throw ApiException.internal("Invalid KEEP_LAST value: " + keep.strip());
            }
            c = c.with(KEEP_LAST, Integer.toString(Math.max(0, k)));
        } else if (!append) {
            c = c.without(KEEP_LAST);
        }
        boolean volatileChanged = volatileNow != wasVolatile;
        c = c.with("BACKUP_VOLATILE", volatileNow ? "YES" : "NO");
        List<Integer> before = parseDiskIds(c.get("DISK_IDS"));
        String idsText = cfg.get("DISK_IDS");
        List<Integer> after;
        if (idsText != null) {
            after = parseDiskIds(idsText);
            if (after == null) {
                throw ApiException.internal("Invalid DISK_IDS value: " + idsText);
            }
            List<Integer> eligible = eligibleDiskIds(vm, volatileNow);
            for (int id : after) {
                if (!eligible.contains(id)) {
                    throw ApiException.internal("Invalid DISK_IDS, disk " + id + " cannot be backed up");
                }
            }
        } else {
            after = append ? before : List.of();
        }
        c = after == null || after.isEmpty() ? c.without("DISK_IDS") : c.with("DISK_IDS", joined(after));
        boolean disksChanged = !(before == null ? List.of() : before).equals(after == null ? List.of() : after);
        String freeze = upper(cfg.get("FS_FREEZE"));
        if (!freeze.isEmpty()) {
            c = c.with("FS_FREEZE", Set.of("NONE", "AGENT", "SUSPEND").contains(freeze) ? freeze : "NONE");
        } else if (!append) {
            c = c.with("FS_FREEZE", "NONE");
        }
        if (!increment) {
            c = c.with(INCREMENTAL_BACKUP_ID, "-1").with(LAST_INCREMENT_ID, "-1").with(MODE, "FULL")
                    .without("INCREMENT_MODE");
        } else if (!modeText.isEmpty() || !append) {
            boolean newIncrement = modeText.equalsIgnoreCase("INCREMENT");
            if (!newIncrement || !incremental(c)) {
                c = c.with(INCREMENTAL_BACKUP_ID, "-1").with(LAST_INCREMENT_ID, "-1");
            }
            c = c.with(MODE, newIncrement ? "INCREMENT" : "FULL");
            String im = upper(cfg.get("INCREMENT_MODE"));
            if (!im.isEmpty()) {
                c = c.with("INCREMENT_MODE", im.equals("SNAPSHOT") ? "SNAPSHOT" : "CBT");
            } else if (!append) {
                c = c.with("INCREMENT_MODE", "CBT");
            }
        }
        if (increment && (disksChanged || volatileChanged)) {
            c = c.with(INCREMENTAL_BACKUP_ID, "-1").with(LAST_INCREMENT_ID, "-1");
        }
        String interactive = cfg.get("INTERACTIVE");
        if (interactive != null && !interactive.isBlank()) {
            c = c.with("INTERACTIVE", isYes(interactive) ? "YES" : "NO");
        } else if (!append) {
            c = c.with("INTERACTIVE", "NO");
        }
        return sorted(c);
    }

    /** A new VM: BACKUP_CONFIG moves from its USER_TEMPLATE into BACKUPS, checked as at updateconf. */
    public static VirtualMachine atCreate(VirtualMachine vm) {
        if (vm.userTemplate().vectors("BACKUP_CONFIG").isEmpty()) {
            return vm;
        }
        Template cfg = configure(vm, vm.userTemplate(), false);
        return vm.toBuilder().userTemplate(vm.userTemplate().without("BACKUP_CONFIG")).backups(cfg, vm.backupIds())
                .build();
    }

    /**
     * Refuses (ACTION) a snapshot of a VM whose backups are incremental, as oned: snapshots break the increment
     * chain. {@code action} is oned's name for it ("snapshot-create", "disk-snapshot-create").
     */
    public static void checkSnapshotAllowed(VirtualMachine vm, String action) {
        if (incremental(vm.backupConfig())) {
            throw ApiException.action("Action \"" + action + "\" is not compatible with incremental backups", vm.id());
        }
    }

    // ------------------------------------------------------------------ one backup

    /** The chain's image when the next backup adds an increment to it, else -1 (a new image is made). */
    public static int chainImage(VirtualMachine vm, boolean reset) {
        Template c = vm.backupConfig();
        if (!incremental(c) || reset || intOr(c.get(LAST_INCREMENT_ID), -1) == -1) {
            return -1;
        }
        return intOr(c.get(INCREMENTAL_BACKUP_ID), -1);
    }

    /** What a backup into {@code dsId} reserves: one image unless it extends a chain, and the disks' size. */
    public static Usage reservation(VirtualMachine vm, int dsId, boolean newImage) {
        return Usage.datastore(dsId, newImage ? 1 : 0, backupSize(vm));
    }

    /** The VM noting a backup into datastore {@code dsId}; {@code reset} starts a new increment chain. */
    public static VirtualMachine stage(VirtualMachine vm, int dsId, boolean reset) {
        Template c = vm.backupConfig().with(LAST_DATASTORE_ID, Integer.toString(dsId));
        if (reset) {
            c = c.with(LAST_INCREMENT_ID, "-1").with(INCREMENTAL_BACKUP_ID, "-1");
        }
        return vm.toBuilder().backups(sorted(c), vm.backupIds()).build();
    }

    /** The VM with the driver's answer noted: where the backup is kept and its size in MB. */
    public static VirtualMachine noteResult(VirtualMachine vm, String backupId, long sizeMb) {
        Template c = vm.backupConfig().with(LAST_BACKUP_ID, backupId == null ? "" : backupId)
                .with(LAST_BACKUP_SIZE, Long.toString(Math.max(0, sizeMb)));
        return vm.toBuilder().backups(sorted(c), vm.backupIds()).build();
    }

    /**
     * Settles the backup in flight into {@code b} (the VM's next version): on success the backup image is created
     * READY in the backup datastore (or the chain's image gets an increment), KEEP_LAST drops the oldest images to
     * DELETE (or folds the oldest increments), and the quota reservation shrinks to the real size; on failure (or
     * a success whose driver named no backup) the reservation is given back. The LAST_BACKUP_* notes are cleared
     * either way.
     */
    static void settle(Transaction tx, VirtualMachine vm, VirtualMachine.Builder b, boolean ok) {
        Template c = b.backupConfig();
        int dsId = intOr(c.get(LAST_DATASTORE_ID), -1);
        if (dsId < 0) {
            return; // nothing was staged
        }
        int chain = incremental(c) ? intOr(c.get(INCREMENTAL_BACKUP_ID), -1) : -1;
        boolean newImage = chain < 0 || intOr(c.get(LAST_INCREMENT_ID), -1) < 0;
        Usage reserved = reservation(vm, dsId, newImage);
        String source = strip(c.get(LAST_BACKUP_ID));
        long real = Math.max(0, longOr(c.get(LAST_BACKUP_SIZE)));
        Template cleared = c.without(LAST_BACKUP_ID).without(LAST_BACKUP_SIZE);
        Datastore ds = tx.get(ObjectType.DATASTORE, dsId) instanceof Datastore d ? d : null;
        Image chainImage = newImage ? null : tx.get(ObjectType.IMAGE, chain) instanceof Image i ? i : null;
        if (!ok || source.isEmpty() || ds == null || (!newImage && chainImage == null)) {
            ImageQuotas.release(tx, vm.uid(), vm.gid(), reserved);
            b.backups(sorted(cleared), b.backupIds());
            return;
        }
        // the reservation was the worst case: keep the image count and the real size only
        ImageQuotas.release(tx, vm.uid(), vm.gid(), Usage.datastore(dsId, 0, Math.max(0, backupSize(vm) - real)));
        if (real > backupSize(vm)) {
            ImageQuotas.chargeUnchecked(tx, vm.uid(), vm.gid(), Usage.datastore(dsId, 0, real - backupSize(vm)));
        }
        Set<Integer> ids = new TreeSet<>(b.backupIds());
        int keep = keepLast(c);
        if (newImage) {
            int imageId = tx.nextId(ObjectType.IMAGE);
            Template it = Template.EMPTY.with("VM_ID", Integer.toString(vm.id()));
            if (c.get("DISK_IDS") != null && !c.get("DISK_IDS").isBlank()) {
                it = it.with("BACKUP_SELECTED_DISKS", "YES");
            }
            boolean inc = incremental(c);
            BackupIncrements incs = inc ? BackupIncrements.EMPTY.add(source, real, tx.now()) : BackupIncrements.EMPTY;
            String name = vm.id() + " " + NAME_TIME.format(Instant.ofEpochSecond(tx.now()).atZone(ZoneId.systemDefault()));
            tx.put(Image.builder(imageId, name).owner(vm.uid(), vm.uname(), vm.gid(), vm.gname())
                    .permissions(IMAGE_PERMISSIONS).imageType(ImageType.BACKUP).diskType(DiskType.FILE.code())
                    .persistent(true).regtime(tx.now()).modtime(tx.now()).source(source).format("raw").sizeMb(real)
                    .datastore(ds.id(), ds.name()).template(it).state(ImageState.READY).increments(incs)
                    .backupDiskIds(new TreeSet<>(diskIds(vm))).build());
            tx.put(ds.withImage(imageId));
            ids.add(imageId);
            if (inc) {
                cleared = cleared.with(INCREMENTAL_BACKUP_ID, Integer.toString(imageId)).with(LAST_INCREMENT_ID, "0");
            } else if (keep > 0 && ids.size() > keep) {
                // FULL backups beyond KEEP_LAST: the oldest images go, as oned's remove_last
                List<Integer> order = new ArrayList<>(ids);
                for (int old : order.subList(0, order.size() - keep)) {
                    if (tx.get(ObjectType.IMAGE, old) instanceof Image img && img.state() != ImageState.DELETE) {
                        tx.put(img.toBuilder().state(ImageState.DELETE).build());
                    }
                    ids.remove(old);
                }
            }
        } else {
            BackupIncrements incs = chainImage.increments().add(source, real, tx.now());
            Image.Builder ib = chainImage.toBuilder().increments(incs).sizeMb(incs.totalSizeMb()).modtime(tx.now());
            if (keep > 0 && incs.increments().size() > keep) {
                // the oldest increments are merged by the datastore driver while the image is locked
                ib.state(ImageState.LOCKED).template(chainImage.template().with(FLATTEN_KEEP, Integer.toString(keep)));
            }
            tx.put(ib.build());
            cleared = cleared.with(LAST_INCREMENT_ID, Integer.toString(incs.lastId()));
        }
        b.backups(sorted(cleared), ids);
    }

    /** Marks a backup image whose oldest increments wait to be merged (KEEP_LAST), for the storage manager. */
    public static final String FLATTEN_KEEP = "BACKUP_FLATTEN_KEEP";

    /** The backup image once its increments were merged: the chain keeps its last {@code keep}; READY again. */
    public static Image flattened(Image img, int keep, String source, long sizeMb, long now) {
        BackupIncrements incs = img.increments().keepLast(keep, source, sizeMb);
        return img.toBuilder().increments(incs).sizeMb(incs.totalSizeMb()).modtime(now)
                .template(img.template().without(FLATTEN_KEEP)).state(ImageState.READY).build();
    }

    /** Marks on the DISKs being restored: the backup image and the increment they come from. */
    public static final String RESTORE_IMAGE = "RESTORE_IMAGE_ID";
    public static final String RESTORE_INCREMENT = "RESTORE_INCREMENT_ID";

    /** A restore in flight: the backup image, its increment (-1 the last or a full backup) and the disks. */
    public record PendingRestore(int imageId, int incrementId, List<Integer> diskIds) {
    }

    /**
     * The VM with the disks to restore from {@code backup} marked: disk {@code diskId}, or (-1) every VM disk the
     * backup holds. ACTION when the backup holds none of them (or not that disk).
     */
    public static VirtualMachine markRestore(VirtualMachine vm, Image backup, int incrementId, int diskId) {
        Set<Integer> held = backup.backupDiskIds();
        List<Attribute> out = new ArrayList<>();
        int marked = 0;
        for (Attribute a : vm.vmTemplate().attributes()) {
            if (a instanceof VectorAttribute d && d.name().equals("DISK")) {
                int id = intOr(d.get("DISK_ID"), -1);
                boolean take = (diskId < 0 || id == diskId) && (held.isEmpty() || held.contains(id));
                if (take) {
                    out.add(d.with(RESTORE_IMAGE, Integer.toString(backup.id()))
                            .with(RESTORE_INCREMENT, Integer.toString(incrementId)));
                    marked++;
                    continue;
                }
            }
            out.add(a);
        }
        if (marked == 0) {
            throw ApiException.action("Backup image " + backup.id() + " holds none of the VM disks", vm.id());
        }
        return vm.toBuilder().vmTemplate(Template.of(out)).build();
    }

    /** The restore the VM's disks are marked for, or null. */
    public static PendingRestore pendingRestore(VirtualMachine vm) {
        int image = -1;
        int increment = -1;
        List<Integer> disks = new ArrayList<>();
        for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
            if (d.get(RESTORE_IMAGE) != null) {
                image = intOr(d.get(RESTORE_IMAGE), -1);
                increment = intOr(d.get(RESTORE_INCREMENT), -1);
                disks.add(intOr(d.get("DISK_ID"), -1));
            }
        }
        return image < 0 ? null : new PendingRestore(image, increment, disks);
    }

    /**
     * The VM after a restore: the disks' markers go; on success (oned's disk_restore_success) the system snapshots
     * go too (the hypervisor's state no longer matches the disks) and the increment chain restarts.
     */
    static void restored(VirtualMachine.Builder b, boolean ok) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : b.vmTemplate().attributes()) {
            if (a instanceof VectorAttribute d && d.name().equals("DISK") && d.get(RESTORE_IMAGE) != null) {
                out.add(d.without(RESTORE_IMAGE).without(RESTORE_INCREMENT));
            } else if (!(ok && a.name().equals("SNAPSHOT"))) {
                out.add(a);
            }
        }
        b.vmTemplate(Template.of(out));
        Template c = b.backupConfig();
        if (ok && !c.isEmpty()) {
            b.backups(sorted(c.with(LAST_INCREMENT_ID, "-1").with(INCREMENTAL_BACKUP_ID, "-1")), b.backupIds());
        }
    }

    /**
     * The VM without backup image {@code imageId} (its image is being deleted, as oned's delete_image does): out of
     * BACKUP_IDS, and the increment chain restarts when it was the chain's image.
     */
    public static VirtualMachine forget(VirtualMachine vm, int imageId) {
        if (!vm.backupIds().contains(imageId)) {
            return vm;
        }
        Template c = vm.backupConfig();
        if (intOr(c.get(INCREMENTAL_BACKUP_ID), -1) == imageId) {
            c = sorted(c.with(INCREMENTAL_BACKUP_ID, "-1").with(LAST_INCREMENT_ID, "-1"));
        }
        return vm.toBuilder().backups(c, IdSet.without(vm.backupIds(), imageId)).build();
    }

    /** A BACKUP image being deleted: the VM of its VM_ID forgets it ({@link #forget}). */
    public static void imageDeleted(Transaction tx, Image img) {
        int vmId = intOr(img.template().get("VM_ID"), -1);
        if (vmId >= 0 && tx.get(ObjectType.VM, vmId) instanceof VirtualMachine vm) {
            VirtualMachine next = forget(vm, img.id());
            if (next != vm) {
                tx.put(next);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** BACKUP_CONFIG's attributes in name order, as vm.xsd's sequence lists them. */
    static Template sorted(Template t) {
        List<Attribute> l = new ArrayList<>(t.attributes());
        l.sort(Comparator.comparing(Attribute::name));
        return Template.of(l);
    }

    /** "2,0,2" → [0, 2]; null for text that is not a list of non-negative integers; empty for blank. */
    static List<Integer> parseDiskIds(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        TreeSet<Integer> out = new TreeSet<>();
        for (String s : text.split(",")) {
            try {
                int id = Integer.parseInt(s.strip());
                if (id < 0) {
                    return null;
                }
                out.add(id);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return List.copyOf(out);
    }

    private static String joined(List<Integer> ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(sb.isEmpty() ? "" : ",").append(id);
        }
        return sb.toString();
    }

    static int intOr(String v, int dflt) {
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static long longOr(String v) {
        return (long) doubleOr(v);
    }

    private static double doubleOr(String v) {
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean isYes(String v) {
        String s = strip(v).toUpperCase(Locale.ROOT);
        return s.equals("YES") || s.equals("TRUE") || s.equals("1");
    }

    private static String upper(String v) {
        return strip(v).toUpperCase(Locale.ROOT);
    }

    private static String strip(String v) {
        return v == null ? "" : v.strip();
    }
}
