package dev.nimbo.drivers.kvm;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.TransferDriver;
import dev.nimbo.drivers.agent.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The transfer driver of {@code kvm} hosts (a local, "ssh"-style system datastore on each host, or a shared one,
 * see {@link #shared}): images are
 * streamed from the front-end's image datastore over the agent channel into the host's image cache (so a host
 * never receives the same image version twice; one another host of its cluster has is fetched from that host
 * instead, see {@link Peer}), resumably (a partial file continues where it stopped) and
 * checked (SHA-256 of the whole file, verified by the agent before it is used). Each disk is then made in the VM's
 * directory: a qcow2 linked clone of the cached image for non-persistent images, a full copy for persistent ones
 * (copied back to the image on EPILOG), an empty file for volatile disks. OS KERNEL_DS / INITRD_DS
 * ({@code $FILE[IMAGE_ID=n]}) are sent the same way. An agent whose connection drops during an operation is waited
 * for (it reconnects by itself) and the operation goes on where it was: a transfer continues from the bytes the host
 * has, other requests are sent again. Stop and undeploy bring the VM's directory back into the
 * front-end's system datastore (EPILOG_STOP); resume sends it to the host again (PROLOG_RESUME). Thread-safe; each
 * operation runs on its own virtual thread.
 */
public final class KvmTm implements TransferDriver {
    public static final String NAME = "kvm";
    /** The system datastore TM_MAD whose storage the hosts share with the front-end. */
    public static final String SHARED = "shared";
    static final int CHUNK = HostFileTransfer.CHUNK;
    private static final Pattern FILE_REF = Pattern.compile("\\$FILE\\[\\s*IMAGE_ID\\s*=\\s*\"?(\\d+)\"?\\s*]",
            Pattern.CASE_INSENSITIVE);

    /** Consecutive failed attempts of one request or transfer (without progress) before the operation fails. */
    static final int MAX_FRUITLESS_RETRIES = 5;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KvmTm.class);

    private final AgentLink link;
    private final HostFileTransfer transfer;
    private final IntFunction<String> imageSource;
    private final IntFunction<String> systemDsPath;
    private final java.time.Duration reconnectWait;
    private final IntFunction<java.util.List<Peer>> peers;
    /** Where a disk saved as image N waits on the front-end for its registration (null: no save-as). */
    private final IntFunction<Path> staged;

    /** A host of the same cluster that serves its image cache to the others at cacheEndpoint (HOST:PORT). */
    public record Peer(int hostId, String cacheEndpoint) {
    }

    /**
     * @param imageSource  an image ID's SOURCE path on the front-end (null when there is no such image)
     * @param systemDsPath a system datastore's BASE_PATH on the front-end, where stopped and undeployed VMs' files
     *                     wait (null when there is no such datastore)
     */
    public KvmTm(AgentLink link, IntFunction<String> imageSource, IntFunction<String> systemDsPath) {
        this(link, imageSource, systemDsPath, java.time.Duration.ofSeconds(120), h -> java.util.List.of());
    }

    /**
     * @param reconnectWait how long an operation waits for a host's agent whose connection dropped mid-way
     * @param peers         the other hosts of a host's cluster that serve their image caches (per-cluster cache)
     */
    public KvmTm(AgentLink link, IntFunction<String> imageSource, IntFunction<String> systemDsPath,
                 java.time.Duration reconnectWait, IntFunction<java.util.List<Peer>> peers) {
        this(link, imageSource, systemDsPath, reconnectWait, peers, null);
    }

    /**
     * @param staged where the disk saved as image N is put on the front-end (disk save-as, CPDS), for the storage
     *               manager to copy into the image's datastore; null when this daemon does not save disks
     */
    public KvmTm(AgentLink link, IntFunction<String> imageSource, IntFunction<String> systemDsPath,
                 java.time.Duration reconnectWait, IntFunction<java.util.List<Peer>> peers, IntFunction<Path> staged) {
        this.staged = staged;
        this.link = link;
        this.transfer = new HostFileTransfer(link);
        this.imageSource = imageSource;
        this.systemDsPath = systemDsPath;
        this.reconnectWait = reconnectWait;
        this.peers = peers;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<DriverResult> execute(DriverRequest r) {
        if (r.op().kind() != DriverOp.Kind.TM) {
            return CompletableFuture.failedFuture(new DriverException("kvm TM: " + r.op().text()
                    + " is not a transfer operation"));
        }
        // an operation cut off from its host runs again once the agent is back (transfers resume where they stopped)
        return AgentLinks.patiently(link, r.hostId(), AgentLinks.reconnectWait(), r.op().text() + " of VM " + r.vmId(),
                () -> run(r));
    }

    private CompletableFuture<DriverResult> run(DriverRequest r) {
        CompletableFuture<DriverResult> out = new CompletableFuture<>();
        Thread.ofVirtual().name("kvm-tm-" + r.vmId()).start(() -> {
            try {
                switch (r.op()) {
                    case PROLOG -> prolog(r);
                    case EPILOG -> epilog(r, true);
                    case EPILOG_DELETE -> epilog(r, false);
                    case EPILOG_STOP -> epilogStop(r);
                    case SNAP_CREATE, SNAP_REVERT, SNAP_DELETE -> diskSnapshot(r);
                    case RESIZE -> resize(r);
                    case PROLOG_DISK -> stageDisk(r, marked(r, "ATTACH"));
                    case EPILOG_DISK -> dropDisk(r, marked(r, "DETACH"));
                    case PROLOG_RESUME -> prologResume(r);
                    case PROLOG_MIGRATE -> prologMigrate(r);
                    case CPDS -> saveDisk(r);
                    default -> throw new DriverException("kvm TM: " + r.op().text()
                            + " is not supported yet on kvm hosts");
                }
                out.complete(DriverResult.OK);
            } catch (DriverException e) {
                out.completeExceptionally(e);
            } catch (IOException | RuntimeException e) {
                out.completeExceptionally(new DriverException("kvm TM " + r.op().text() + ": " + e.getMessage(), e));
            }
        });
        return out;
    }

    private void prolog(DriverRequest r) throws IOException {
        Template t = r.vm().vmTemplate();
        for (VectorAttribute disk : t.vectors("DISK")) {
            stageDisk(r, disk);
        }
        VectorAttribute os = t.vectors("OS").isEmpty() ? null : t.vectors("OS").get(0);
        if (os != null) {
            for (String[] f : new String[][] {{"KERNEL_DS", "kernel"}, {"INITRD_DS", "initrd"}}) {
                String ref = os.get(f[0]);
                if (ref == null || ref.isBlank()) {
                    continue;
                }
                Matcher m = FILE_REF.matcher(ref.strip());
                if (!m.matches()) {
                    throw new DriverException("OS/" + f[0] + " must be $FILE[IMAGE_ID=<id>], got '" + ref + "'");
                }
                String src = imageSource.apply(Integer.parseInt(m.group(1)));
                if (src == null) {
                    throw new DriverException("OS/" + f[0] + ": image " + m.group(1) + " does not exist");
                }
                Map<String, String> a = base(r);
                a.put("cache", send(r.hostId(), Path.of(src)));
                a.put("file", f[1]);
                call(r.hostId(), Ops.DISK_PREPARE, a, f[1]);
            }
        }
    }

    /**
     * Makes one disk of the VM in its directory on the host (the image sent into the host's cache first when it
     * is not there). Volatile disks are qcow2 unless FORMAT says otherwise, so that system snapshots with memory
     * (internal qcow2 snapshots) work on them. Blocking; also used by the VMM for disk hot-plug.
     */
    public void stageDisk(DriverRequest r, VectorAttribute disk) throws IOException {
        String id = disk.get("DISK_ID");
        Map<String, String> a = base(r);
        a.put("disk_id", id == null ? "0" : id.strip());
        String source = disk.get("SOURCE");
        if (source != null && !source.isBlank()) {
            boolean clone = !"YES".equalsIgnoreCase(disk.get("PERSISTENT"));
            if (shared(r)) {
                a.put("image", sharedPath(disk, source.strip())); // the host sees the image: nothing is sent
            } else {
                a.put("cache", send(r.hostId(), Path.of(source.strip())));
            }
            a.put("clone", clone ? "yes" : "no");
            a.put("format", lower(disk.get("FORMAT"), lower(disk.get("DRIVER"), "raw")));
            a.put("readonly", "CDROM".equalsIgnoreCase(disk.get("TYPE")) ? "yes" : "no");
        } else {
            a.put("size_mb", disk.get("SIZE") == null ? "0" : disk.get("SIZE").strip());
            a.put("format", lower(disk.get("FORMAT"), "qcow2"));
        }
        call(r.hostId(), Ops.DISK_PREPARE, a, "disk " + a.get("disk_id"));
    }

    private void epilog(DriverRequest r, boolean saveBack) throws IOException {
        if (saveBack && !shared(r)) { // on a shared datastore persistent disks were written in place
            for (VectorAttribute disk : r.vm().vmTemplate().vectors("DISK")) {
                String source = disk.get("SOURCE");
                if (source == null || !"YES".equalsIgnoreCase(disk.get("PERSISTENT"))
                        || "CDROM".equalsIgnoreCase(disk.get("TYPE"))) {
                    continue;
                }
                fetch(r, disk.get("DISK_ID").strip(), Path.of(source.strip()));
            }
        }
        call(r.hostId(), Ops.VM_CLEAN, base(r), "clean-up");
    }

    /** The VM's directory on the front-end while it is stopped or undeployed. */
    private Path parked(DriverRequest r) {
        String base = systemDsPath.apply(r.dsId());
        if (base == null || base.isBlank()) {
            throw new DriverException("system datastore " + r.dsId() + " has no BASE_PATH on the front-end");
        }
        return Path.of(base).resolve(Integer.toString(r.vmId()));
    }

    /**
     * Stop and undeploy: every file of the VM's directory on the host (disks, checkpoint, kernel, context) comes
     * back to the front-end's system datastore, then the host's copy goes.
     */
    private void epilogStop(DriverRequest r) throws IOException {
        if (shared(r)) {
            return; // the VM's directory already is where the front-end keeps it
        }
        Path local = parked(r);
        Files.createDirectories(local);
        String dir = "datastores/" + r.dsId() + "/" + r.vmId();
        Frame list = call(r.hostId(), Ops.DIR_LIST, Map.of("path", dir), "listing the VM's files");
        for (String name : new String(list.body(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            if (!name.isBlank()) {
                download(r.hostId(), dir + "/" + name.strip(), local.resolve(name.strip()), "file " + name.strip());
            }
        }
        call(r.hostId(), Ops.VM_CLEAN, base(r), "clean-up");
    }

    /**
     * Resume of a stopped or undeployed VM: its images into the host's cache again (if the host lacks them), its
     * files from the front-end's system datastore into its directory on the host, linked clones pointed at the
     * host's cache, and the front-end's copy dropped.
     */
    private void prologResume(DriverRequest r) throws IOException {
        if (shared(r)) {
            return; // the host sees the VM's directory where it was left
        }
        Path local = parked(r);
        if (!Files.isDirectory(local)) {
            throw new DriverException("the VM's files are not in " + local + " on the front-end");
        }
        String dir = "datastores/" + r.dsId() + "/" + r.vmId();
        try (java.util.stream.Stream<Path> files = Files.list(local)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                upload(r.hostId(), f, dir + "/" + f.getFileName(), sha256(f));
            }
        }
        relinkClones(r);
        try (java.util.stream.Stream<Path> s = Files.walk(local)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Linked clones that arrived from elsewhere (the front-end, another host) point at the host's own cached copy
     * of their image: sent there first if the host lacks it.
     */
    private void relinkClones(DriverRequest r) throws IOException {
        for (VectorAttribute disk : r.vm().vmTemplate().vectors("DISK")) {
            String source = disk.get("SOURCE");
            if (source == null || source.isBlank() || "YES".equalsIgnoreCase(disk.get("PERSISTENT"))
                    || "CDROM".equalsIgnoreCase(disk.get("TYPE"))) {
                continue;
            }
            Map<String, String> a = base(r);
            a.put("disk_id", disk.get("DISK_ID").strip());
            a.put("cache", send(r.hostId(), Path.of(source.strip())));
            a.put("format", lower(disk.get("FORMAT"), lower(disk.get("DRIVER"), "raw")));
            a.put("rebase", "yes");
            call(r.hostId(), Ops.DISK_PREPARE, a, "disk " + a.get("disk_id"));
        }
    }

    /**
     * Cold migration (the VM saved or powered off on its previous host, the request naming the new one): every
     * file of its directory streams from the old host to the new one through the front-end (no host ever reaches
     * another), linked clones are pointed at the new host's image cache, and the old host's copy goes.
     */
    private void prologMigrate(DriverRequest r) throws IOException {
        History from = previous(r);
        if (from.hid() == r.hostId() && from.dsId() == r.dsId()) {
            return; // nothing moves
        }
        copyVmFiles(r.vmId(), from.hid(), from.dsId(), r.hostId(), r.dsId(), name -> true);
        relinkClones(r);
        Map<String, String> a = base(r);
        a.put("ds_id", Integer.toString(from.dsId()));
        call(from.hid(), Ops.VM_CLEAN, a, "clean-up on the previous host");
    }

    /** The placement a migrating VM leaves (the record before its last one). */
    static History previous(DriverRequest r) {
        List<History> h = r.vm().history();
        if (h.size() < 2) {
            throw new DriverException("VM " + r.vmId() + " has no previous placement to migrate from");
        }
        return h.get(h.size() - 2);
    }

    /**
     * Live migration, before libvirt moves the domain: the VM's disks made on the target host as a deploy makes
     * them (linked clones of its cached images, copies, empty volatile disks: QEMU then copies only what they
     * lack), its kernel and initrd sent, and its other files (context CD-ROM) copied from the source host.
     * {@code r} names the target host and datastore.
     */
    public void prepareLiveTarget(DriverRequest r, int sourceHost, int sourceDs) throws IOException {
        prolog(r);
        java.util.Set<String> made = new java.util.HashSet<>(List.of("kernel", "initrd", "checkpoint"));
        for (VectorAttribute d : r.vm().vmTemplate().vectors("DISK")) {
            String id = d.get("DISK_ID") == null ? "0" : d.get("DISK_ID").strip();
            made.add("disk." + id);
            made.add("disk." + id + ".format");
        }
        copyVmFiles(r.vmId(), sourceHost, sourceDs, r.hostId(), r.dsId(),
                name -> !made.contains(name) && !name.endsWith(".xml") && !name.equals("console.log"));
    }

    /** Streams the VM's files chosen by name from one host's directory to another's, chunk by chunk. */
    private void copyVmFiles(int vmId, int fromHost, int fromDs, int toHost, int toDs,
                             java.util.function.Predicate<String> chosen) throws IOException {
        String from = "datastores/" + fromDs + "/" + vmId;
        String to = "datastores/" + toDs + "/" + vmId;
        Frame list = call(fromHost, Ops.DIR_LIST, Map.of("path", from), "listing the VM's files");
        for (String name : new String(list.body(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            String n = name.strip();
            if (!n.isEmpty() && chosen.test(n)) {
                relay(fromHost, from + "/" + n, toHost, to + "/" + n);
            }
        }
    }

    /** One file from host to host: read chunks from one agent, write them to the other, checked by SHA-256. */
    private void relay(int fromHost, String fromPath, int toHost, String toPath) {
        MessageDigest md = sha();
        long offset = 0;
        while (true) {
            Frame f = call(fromHost, Ops.FILE_READ, Map.of("path", fromPath, "offset", Long.toString(offset),
                    "length", Integer.toString(CHUNK)), "reading " + fromPath);
            byte[] data = f.body() == null ? new byte[0] : f.body();
            md.update(data);
            boolean last = "yes".equals(f.attr("eof")) || data.length == 0;
            Map<String, String> a = new TreeMap<>(Map.of("path", toPath, "offset", Long.toString(offset),
                    "last", last ? "yes" : "no"));
            offset += data.length;
            if (last) {
                a.put("sha256", hex(md.digest()));
                a.put("size", Long.toString(offset));
            }
            call(toHost, Ops.FILE_WRITE, a, data, "writing " + toPath + " on the new host");
            if (last) {
                return;
            }
        }
    }

    /** A disk detached from a powered-off VM: a persistent one is copied back into its image, then it goes. */
    private void dropDisk(DriverRequest r, VectorAttribute disk) throws IOException {
        String id = disk.get("DISK_ID").strip();
        String source = disk.get("SOURCE");
        if (source != null && "YES".equalsIgnoreCase(disk.get("PERSISTENT")) && !"CDROM".equalsIgnoreCase(disk.get("TYPE"))) {
            fetch(r, id, Path.of(source.strip()));
        }
        Map<String, String> a = base(r);
        a.put("disk_id", id);
        call(r.hostId(), Ops.DISK_DROP, a, "removal of disk " + id);
    }

    /** A disk snapshot of a powered-off VM, on the disk file (an internal qcow2 snapshot named snap-ID). */
    private void diskSnapshot(DriverRequest r) {
        VectorAttribute d = marked(r, "DISK_SNAPSHOT_ACTIVE");
        Map<String, String> a = base(r);
        a.put("disk_id", d.get("DISK_ID").strip());
        a.put("action", r.op() == DriverOp.SNAP_CREATE ? "create" : r.op() == DriverOp.SNAP_REVERT ? "revert" : "delete");
        a.put("name", "snap-" + d.get("DISK_SNAPSHOT_ID").strip());
        call(r.hostId(), Ops.DISK_SNAPSHOT, a, "disk snapshot of disk " + a.get("disk_id"));
    }

    /**
     * Disk save-as (CPDS): the host makes a standalone qcow2 copy of the disk marked HOTPLUG_SAVE_AS_ACTIVE (or of
     * its snapshot HOTPLUG_SAVE_AS_SNAPSHOT_ID, the internal snap-ID), the front-end downloads it to the image's
     * staged file (registered into the datastore once the result is recorded), and the host's copy goes. A
     * failure leaves no staged file. What arrives is checked (size and SHA-256 the host computed).
     */
    private void saveDisk(DriverRequest r) throws IOException {
        VectorAttribute d = marked(r, "HOTPLUG_SAVE_AS_ACTIVE");
        String image = d.get("HOTPLUG_SAVE_AS");
        if (staged == null || image == null || image.isBlank()) {
            throw new DriverException("kvm TM: disk save-as has no place to put the disk on the front-end");
        }
        Path target = staged.apply(Integer.parseInt(image.strip()));
        String snap = d.get("HOTPLUG_SAVE_AS_SNAPSHOT_ID");
        String snapshot = snap != null && !snap.isBlank() && Integer.parseInt(snap.strip()) >= 0
                ? "snap-" + snap.strip() : null;
        copyDiskOut(r.hostId(), r.dsId(), r.vmId(), Integer.parseInt(d.get("DISK_ID").strip()), snapshot, target,
                "save-as of disk " + d.get("DISK_ID").strip());
        log.info("VM {}: disk {} saved for image {} ({} bytes)", r.vmId(), d.get("DISK_ID").strip(), image.strip(),
                Files.size(target));
    }

    /**
     * A standalone qcow2 copy of a VM's disk (or of its internal snapshot {@code snapshot}, null for the disk as it
     * is) brought from the host to {@code target} on the front-end: made by the host (a running domain paused for
     * the copy, so it is crash-consistent), downloaded, checked against the size and SHA-256 the host computed, and
     * the host's copy dropped. A failure leaves no {@code target}; its message starts with {@code what}. Blocking.
     * Disk save-as and backups use it.
     */
    public void copyDiskOut(int hostId, int dsId, int vmId, int diskId, String snapshot, Path target, String what)
            throws IOException {
        Map<String, String> a = new HashMap<>(Map.of("vm_id", Integer.toString(vmId), "ds_id",
                Integer.toString(dsId), "disk_id", Integer.toString(diskId)));
        if (snapshot != null) {
            a.put("snapshot", snapshot);
        }
        boolean done = false;
        try {
            a.put("action", "copy");
            Frame copy = call(hostId, Ops.DISK_SAVEAS, a, what);
            Files.createDirectories(target.getParent());
            download(hostId, copy.attr("path"), target, what);
            if (Files.size(target) != copy.longAttr("size", -1)) {
                throw new DriverException(what + ": " + Files.size(target) + " bytes arrived of "
                        + copy.longAttr("size", -1));
            }
            String sha = copy.attr("sha256");
            if (sha != null && !sha.equals(sha256(target))) {
                throw new DriverException(what + ": the copy arrived corrupt (SHA-256 differs from the host's)");
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(target);
            }
            a.put("action", "drop");
            try {
                call(hostId, Ops.DISK_SAVEAS, a, what);
            } catch (DriverException e) {
                log.warn("VM {}: {}: the host's copy stays ({})", vmId, what, e.getMessage());
            }
        }
    }

    /**
     * Replaces a VM's disk on the host with a front-end file (a backup restored into a powered-off VM): the file
     * goes into the host's image cache (resumable, checked) and becomes the disk, in the format its bytes say.
     * Blocking.
     */
    public void copyDiskIn(int hostId, int dsId, int vmId, int diskId, Path file) throws IOException {
        Map<String, String> a = new HashMap<>(Map.of("vm_id", Integer.toString(vmId), "ds_id",
                Integer.toString(dsId), "disk_id", Integer.toString(diskId)));
        a.put("cache", send(hostId, file));
        a.put("clone", "no");
        a.put("readonly", "no");
        a.put("format", dev.nimbo.drivers.ds.FsDatastoreDriver.detectFormat(file));
        call(hostId, Ops.DISK_PREPARE, a, "restore of disk " + diskId + " of VM " + vmId);
    }

    /** A powered-off VM's disk grown to its new SIZE (MB), on the file. */
    private void resize(DriverRequest r) {
        VectorAttribute d = marked(r, "RESIZE");
        Map<String, String> a = base(r);
        a.put("disk_id", d.get("DISK_ID").strip());
        a.put("size_mb", d.get("SIZE").strip());
        call(r.hostId(), Ops.DISK_RESIZE, a, "resize of disk " + a.get("disk_id"));
    }

    private static VectorAttribute marked(DriverRequest r, String flag) {
        for (VectorAttribute d : r.vm().vmTemplate().vectors("DISK")) {
            if ("YES".equalsIgnoreCase(d.get(flag))) {
                return d;
            }
        }
        throw new DriverException("kvm TM " + r.op().text() + ": no DISK marked " + flag + " in VM " + r.vmId());
    }

    /**
     * Whether the VM's system datastore is shared (TM_MAD {@code shared}, NFS-style): each datastore N of the
     * front-end (its BASE_PATH) is also mounted on the hosts, at the agent's {@code DATA/datastores/N}. Disks are
     * then linked or cloned in place from their images and nothing of the VM moves on stop or undeploy.
     */
    static boolean shared(DriverRequest r) {
        return SHARED.equalsIgnoreCase(lower(r.vm().vmTemplate().get("TM_MAD_SYSTEM"), ""));
    }

    /** An image's SOURCE as the host sees it on a shared datastore: datastores/DS/FILE under its data directory. */
    private String sharedPath(VectorAttribute disk, String source) {
        String ds = disk.get("DATASTORE_ID");
        String base = ds == null || ds.isBlank() ? null : systemDsPath.apply(Integer.parseInt(ds.strip()));
        if (base == null || base.isBlank()) {
            throw new DriverException("disk " + disk.get("DISK_ID") + ": its image datastore has no BASE_PATH");
        }
        Path rel = Path.of(base).toAbsolutePath().normalize().relativize(Path.of(source).toAbsolutePath().normalize());
        if (rel.toString().isEmpty() || rel.startsWith("..")) {
            throw new DriverException("disk " + disk.get("DISK_ID") + ": image " + source + " is not in its datastore's"
                    + " BASE_PATH " + base + " (a shared system datastore needs the images on shared storage too)");
        }
        return "datastores/" + ds.strip() + "/" + rel;
    }

    private static Map<String, String> base(DriverRequest r) {
        Map<String, String> a = new TreeMap<>();
        a.put("vm_id", Integer.toString(r.vmId()));
        a.put("ds_id", Integer.toString(r.dsId()));
        return a;
    }

    /** Sends a front-end file into the host's image cache unless it is there; returns its cache key. */
    String send(int hostId, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DriverException("image file " + file + " is missing on the front-end");
        }
        long size = Files.size(file);
        String key = cacheKey(file, size, Files.getLastModifiedTime(file).toMillis());
        String path = "cache/" + key;
        Frame stat = call(hostId, Ops.FILE_STAT, Map.of("path", path), "cache lookup");
        if ("yes".equals(stat.attr("complete"))) {
            return key; // the host has this image version already
        }
        String sha = sha256(file);
        if (!fromPeer(hostId, path, key, size, sha)) {
            upload(hostId, file, path, sha);
        }
        return key;
    }

    /**
     * The per-cluster cache: when another host of the cluster has the image, the host fetches it from that peer
     * over their site's network instead of from the front-end over the WAN. False (the front-end sends it) when no
     * connected peer has it or every fetch failed.
     */
    private boolean fromPeer(int hostId, String path, String key, long size, String sha) {
        for (Peer p : peers.apply(hostId)) {
            if (p.hostId() == hostId || !link.connected(p.hostId())) {
                continue;
            }
            try {
                if (!"yes".equals(callOnce(p.hostId(), Ops.FILE_STAT, Map.of("path", path), "cache lookup on peer")
                        .attr("complete"))) {
                    continue;
                }
                callOnce(hostId, Ops.CACHE_FETCH, Map.of("key", key, "endpoint", p.cacheEndpoint(),
                        "peer_id", Integer.toString(p.hostId()), "size", Long.toString(size), "sha256", sha), null,
                        "fetch of " + key + " from host " + p.hostId());
                log.info("host {}: image {} taken from host {} of its cluster", hostId, key, p.hostId());
                return true;
            } catch (DriverException e) {
                log.info("host {}: image {} not taken from host {} ({}): trying elsewhere", hostId, key, p.hostId(),
                        e.getMessage());
            }
        }
        return false;
    }

    /**
     * Streams a front-end file to a host path in chunks, resuming a partial copy there; the host checks sha. When
     * the agent's connection drops mid-way (or a chunk is refused because the copy there moved on), the transfer
     * waits for the agent to come back and continues from what the host has, without failing the VM's operation.
     */
    void upload(int hostId, Path file, String path, String sha) throws IOException {
        long size = Files.size(file);
        long best = -1;
        int fruitless = 0;
        for (int attempt = 0; ; attempt++) {
            Frame stat = call(hostId, Ops.FILE_STAT, Map.of("path", path), "lookup of " + path);
            if (attempt > 0 && "yes".equals(stat.attr("complete")) && stat.longAttr("partial", 0) == 0) {
                return; // the last chunk arrived (and was checked) but its answer was lost
            }
            long offset = Math.min(stat.longAttr("partial", 0), size);
            if (offset > best) {
                best = offset;
                fruitless = 0;
            }
            try {
                transfer.stream(hostId, file, path, sha, size, offset);
                return;
            } catch (DriverException e) {
                if (++fruitless > MAX_FRUITLESS_RETRIES) {
                    throw e;
                }
                if (AgentLinks.unreachable(e)) {
                    awaitAgent(hostId, e);
                }
                log.info("host {}: transfer of {} ({} bytes) interrupted ({}): resuming from what the host has",
                        hostId, file.getFileName(), size, e.getMessage());
            }
        }
    }

    /** Copies a persistent disk back from the host into its image file. */
    private void fetch(DriverRequest r, String diskId, Path target) throws IOException {
        download(r.hostId(), "datastores/" + r.dsId() + "/" + r.vmId() + "/disk." + diskId, target,
                "copy-back of disk " + diskId);
    }

    /** Copies a host file to a front-end path (through a temporary file, moved in place when complete). */
    private void download(int hostId, String path, Path target, String what) throws IOException {
        transfer.download(hostId, path, target, what);
    }

    private Frame call(int hostId, String op, Map<String, String> attrs, String what) {
        return call(hostId, op, attrs, null, what);
    }

    /**
     * One request to the host's agent. When the connection drops, the request is sent again once the agent is back
     * (every agent request but a chunk write is idempotent; {@link #upload} resumes those itself).
     */
    Frame call(int hostId, String op, Map<String, String> attrs, byte[] body, String what) {
        for (int attempt = 0; ; attempt++) {
            try {
                return callOnce(hostId, op, attrs, body, what);
            } catch (DriverException e) {
                if (!AgentLinks.unreachable(e) || Ops.FILE_WRITE.equals(op) || attempt >= MAX_FRUITLESS_RETRIES) {
                    throw e;
                }
                awaitAgent(hostId, e);
            }
        }
    }

    private Frame callOnce(int hostId, String op, Map<String, String> attrs, String what) {
        return callOnce(hostId, op, attrs, null, what);
    }

    private Frame callOnce(int hostId, String op, Map<String, String> attrs, byte[] body, String what) {
        try {
            Frame f = link.request(hostId, op, attrs, body).get();
            if (!f.succeeded()) {
                throw new DriverException(what + ": " + f.attr("message", op + " failed"));
            }
            return f;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new DriverException(what + ": " + AgentLinks.reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException(what + ": interrupted", e);
        }
    }

    /** Waits for the host's agent to reconnect (it does by itself, with back-off); gives up after reconnectWait. */
    private void awaitAgent(int hostId, DriverException lost) {
        long deadline = System.nanoTime() + reconnectWait.toNanos();
        try {
            Thread.sleep(200); // the dead session may still be listed for a moment
            if (!AgentLinks.awaitConnected(link, hostId, deadline)) {
                throw new DriverException(lost.getMessage() + " (the agent did not come back within "
                        + reconnectWait.toSeconds() + " s)", lost);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException(lost.getMessage() + ": interrupted", e);
        }
    }

    static String cacheKey(Path file, long size, long mtime) {
        return hex(digest((file.toAbsolutePath().normalize() + "\n" + size + "\n" + mtime)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 32);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return hex(md.digest());
    }

    private static byte[] digest(byte[] b) {
        return sha().digest(b);
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static String lower(String v, String dflt) {
        return v == null || v.isBlank() ? dflt : v.strip().toLowerCase(Locale.ROOT);
    }
}
