package dev.nimbo.drivers.kvm;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.TransferDriver;
import dev.nimbo.drivers.agent.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The transfer driver of {@code kvm} hosts (a local, "ssh"-style system datastore on each host): images are
 * streamed from the front-end's image datastore over the agent channel into the host's image cache (so a host
 * never receives the same image version twice), resumably (a partial file continues where it stopped) and
 * checked (SHA-256 of the whole file, verified by the agent before it is used). Each disk is then made in the VM's
 * directory: a qcow2 linked clone of the cached image for non-persistent images, a full copy for persistent ones
 * (copied back to the image on EPILOG), an empty file for volatile disks. OS KERNEL_DS / INITRD_DS
 * ({@code $FILE[IMAGE_ID=n]}) are sent the same way. Stop and undeploy bring the VM's directory back into the
 * front-end's system datastore (EPILOG_STOP); resume sends it to the host again (PROLOG_RESUME). Thread-safe; each
 * operation runs on its own virtual thread.
 */
public final class KvmTm implements TransferDriver {
    public static final String NAME = "kvm";
    private static final Pattern FILE_REF = Pattern.compile("\\$FILE\\[\\s*IMAGE_ID\\s*=\\s*\"?(\\d+)\"?\\s*]",
            Pattern.CASE_INSENSITIVE);

    private final AgentLink link;
    private final HostFileTransfer transfer;
    private final IntFunction<String> imageSource;
    private final IntFunction<String> systemDsPath;

    /**
     * @param imageSource  an image ID's SOURCE path on the front-end (null when there is no such image)
     * @param systemDsPath a system datastore's BASE_PATH on the front-end, where stopped and undeployed VMs' files
     *                     wait (null when there is no such datastore)
     */
    public KvmTm(AgentLink link, IntFunction<String> imageSource, IntFunction<String> systemDsPath) {
        this.link = link;
        this.transfer = new HostFileTransfer(link);
        this.imageSource = imageSource;
        this.systemDsPath = systemDsPath;
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
            a.put("cache", send(r.hostId(), Path.of(source.strip())));
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
        if (saveBack) {
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
        try (java.util.stream.Stream<Path> s = Files.walk(local)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
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
        upload(hostId, file, path, sha256(file));
        return key;
    }

    /** Streams a front-end file to a host path, resuming a partial copy there; the host checks sha. */
    void upload(int hostId, Path file, String path, String sha) throws IOException {
        transfer.upload(hostId, file, path, sha);
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
        return transfer.call(hostId, op, attrs, null, what);
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
