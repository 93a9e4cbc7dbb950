package dev.nimbo.agent.store;

import dev.nimbo.agent.libvirt.Virsh;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The agent's files under its data directory: {@code cache/KEY} holds images received from the front-end (one per
 * image version, so a host never receives the same one twice; {@code KEY.part} while it arrives), and
 * {@code datastores/DS/VM/} each VM's disks ({@code disk.N}, with {@code disk.N.format} saying raw or qcow2),
 * kernel, initrd, context ISO, checkpoint and console log. A shared datastore N of the front-end is mounted at
 * {@code datastores/N}: its images are used in place ({@link ImageRef}). Paths from the front-end are checked to
 * stay inside the data directory. Thread-safe for different files; one writer per file (the front-end sends a
 * file's chunks in order).
 */
public final class HostStore {
    private final Path root;

    public HostStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path vmDir(int dsId, int vmId) {
        return root.resolve("datastores").resolve(Integer.toString(dsId)).resolve(Integer.toString(vmId));
    }

    /** A path the front-end named, refused when it leaves the data directory. */
    public Path resolve(String relative) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw new IllegalArgumentException("path '" + relative + "' is outside the agent's data directory");
        }
        return p;
    }

    public record Stat(boolean complete, long size, long partial) {
    }

    public Stat stat(String relative) throws IOException {
        Path p = resolve(relative);
        Path part = part(p);
        return new Stat(Files.isRegularFile(p), Files.isRegularFile(p) ? Files.size(p) : 0,
                Files.isRegularFile(part) ? Files.size(part) : 0);
    }

    /**
     * Writes one chunk at offset of the file being received (offset 0 starts over; any other offset must be where
     * the partial file ends). The last chunk checks the whole file's size and SHA-256 before it takes its name.
     */
    public void write(String relative, long offset, byte[] data, boolean last, String sha256, long size)
            throws IOException {
        Path p = resolve(relative);
        Path part = part(p);
        Files.createDirectories(p.getParent());
        try (RandomAccessFile f = new RandomAccessFile(part.toFile(), "rw")) {
            if (offset == 0) {
                f.setLength(0);
            } else if (f.length() != offset) {
                throw new IllegalArgumentException("chunk at " + offset + " but " + relative + " has " + f.length()
                        + " bytes: start again from there");
            }
            f.seek(offset);
            f.write(data);
        }
        if (!last) {
            return;
        }
        long got = Files.size(part);
        String sum = sha256(part);
        if (got != size || !sum.equalsIgnoreCase(sha256)) {
            Files.deleteIfExists(part);
            throw new IllegalArgumentException("transfer of " + relative + " is corrupt (" + got + " bytes, sha256 "
                    + sum.substring(0, 12) + "...; expected " + size + " bytes, " + sha256.substring(0, 12) + "...)");
        }
        Files.move(part, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public record Chunk(byte[] data, boolean eof) {
    }

    public Chunk read(String relative, long offset, int length) throws IOException {
        Path p = resolve(relative);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            long n = Math.max(0, Math.min(length, f.length() - offset));
            byte[] b = new byte[(int) n];
            f.seek(offset);
            f.readFully(b);
            return new Chunk(b, offset + n >= f.length());
        }
    }

    /**
     * Makes disk N of a VM: from a cached image (a qcow2 linked clone over it when clone, a copy otherwise, the
     * cached file itself for a read-only CD-ROM), or an empty volatile disk of sizeMb.
     */
    public void prepareDisk(int dsId, int vmId, int diskId, String cacheKey, boolean clone, boolean readonly,
                            String format, long sizeMb) throws IOException {
        prepareDisk(dsId, vmId, diskId, new ImageRef(cacheKey, null), clone, readonly, format, sizeMb);
    }

    /**
     * Where a disk's image is on this host: in the image cache (key), or on shared storage ({@code image}, a path
     * under the data directory, {@code datastores/DS/FILE} where the front-end's datastore DS is mounted), used
     * in place: a read-only CD-ROM or a persistent disk is a symbolic link to it, a clone's backing file is it.
     * Neither: a volatile disk.
     */
    public record ImageRef(String cacheKey, String image) {
        boolean inPlace() {
            return image != null && !image.isBlank();
        }

        boolean none() {
            return !inPlace() && (cacheKey == null || cacheKey.isBlank());
        }
    }

    /** As {@link #prepareDisk(int, int, int, String, boolean, boolean, String, long)}, the image anywhere. */
    public void prepareDisk(int dsId, int vmId, int diskId, ImageRef ref, boolean clone, boolean readonly,
                            String format, long sizeMb) throws IOException {
        Path dir = vmDir(dsId, vmId);
        Files.createDirectories(dir);
        Path disk = dir.resolve("disk." + diskId);
        Files.deleteIfExists(disk);
        String fmt = format == null || format.isBlank() ? "raw" : format;
        if (!List.of("raw", "qcow2").contains(fmt)) {
            throw new IllegalArgumentException("disk " + diskId + ": format '" + fmt + "' (raw or qcow2)");
        }
        if (ref.none()) {
            Virsh.exec(List.of("qemu-img", "create", "-q", "-f", fmt, disk.toString(), Math.max(1, sizeMb) + "M"), 120);
        } else {
            Path cached = ref.inPlace() ? sharedImage(ref.image()) : cached(ref.cacheKey());
            if (ref.inPlace() && (readonly || !clone)) {
                Files.createSymbolicLink(disk, cached); // the image itself, written in place when persistent
            } else if (readonly) {
                link(cached, disk);
            } else if (clone) {
                Virsh.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", fmt, "-b", cached.toString(),
                        disk.toString()), 120);
                fmt = "qcow2";
            } else {
                Files.copy(cached, disk, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.writeString(dir.resolve("disk." + diskId + ".format"), fmt);
    }

    /** Puts a cached file (kernel, initrd) in the VM's directory under that name. */
    public void prepareFile(int dsId, int vmId, String name, String cacheKey) throws IOException {
        if (!List.of("kernel", "initrd").contains(name)) {
            throw new IllegalArgumentException("unknown VM file '" + name + "'");
        }
        Path dir = vmDir(dsId, vmId);
        Files.createDirectories(dir);
        Path target = dir.resolve(name);
        Files.deleteIfExists(target);
        link(cached(cacheKey), target);
    }

    /** The format disk.N has (raw unless the store made a qcow2). */
    public String diskFormat(int dsId, int vmId, int diskId) {
        Path f = vmDir(dsId, vmId).resolve("disk." + diskId + ".format");
        try {
            return Files.isRegularFile(f) ? Files.readString(f).strip() : "raw";
        } catch (IOException e) {
            return "raw";
        }
    }

    /** The regular files of a directory (names only, sorted); none when it does not exist. */
    public List<String> list(String relative) throws IOException {
        Path d = resolve(relative);
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith(".part")).sorted().toList();
        }
    }

    /**
     * Points a linked clone that came back from the front-end (a resumed VM) at this host's copy of its image: the
     * clone's data is kept, only its backing file name changes.
     */
    public void rebaseClone(int dsId, int vmId, int diskId, String cacheKey, String format) {
        Path disk = vmDir(dsId, vmId).resolve("disk." + diskId);
        if (!Files.isRegularFile(disk)) {
            throw new IllegalArgumentException("disk " + diskId + " of VM " + vmId + " is not on this host");
        }
        if (!"qcow2".equals(diskFormat(dsId, vmId, diskId))) {
            return; // a full copy: nothing points anywhere
        }
        String fmt = format == null || format.isBlank() ? "raw" : format;
        Virsh.exec(List.of("qemu-img", "rebase", "-u", "-F", fmt, "-b", cached(cacheKey).toString(), disk.toString()),
                120);
    }

    /**
     * A disk snapshot of a stopped domain's disk file: create, revert to or delete the internal qcow2 snapshot
     * {@code name} (idempotent: creating one that exists or deleting one that is gone succeeds).
     */
    public void diskSnapshot(int dsId, int vmId, int diskId, String action, String name) {
        Path disk = existingDisk(dsId, vmId, diskId);
        if (!"qcow2".equals(diskFormat(dsId, vmId, diskId))) {
            throw new IllegalArgumentException("disk " + diskId + " is raw: disk snapshots need a qcow2 disk");
        }
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("bad snapshot name '" + name + "'");
        }
        boolean exists = Virsh.exec(List.of("qemu-img", "snapshot", "-l", disk.toString()), 60)
                .lines().anyMatch(l -> l.strip().split("\\s+").length > 1 && l.strip().split("\\s+")[1].equals(name));
        switch (action) {
            case "create" -> {
                if (!exists) {
                    Virsh.exec(List.of("qemu-img", "snapshot", "-c", name, disk.toString()), 600);
                }
            }
            case "revert" -> Virsh.exec(List.of("qemu-img", "snapshot", "-a", name, disk.toString()), 600);
            case "delete" -> {
                if (exists) {
                    Virsh.exec(List.of("qemu-img", "snapshot", "-d", name, disk.toString()), 600);
                }
            }
            default -> throw new IllegalArgumentException("disk snapshot action '" + action + "'");
        }
    }

    /** Grows a stopped domain's disk file to sizeMb (never shrinks it). */
    public void resize(int dsId, int vmId, int diskId, long sizeMb) {
        Path disk = existingDisk(dsId, vmId, diskId);
        if (sizeMb <= 0) {
            throw new IllegalArgumentException("disk " + diskId + ": size " + sizeMb + " MB");
        }
        Virsh.exec(List.of("qemu-img", "resize", "-q", "-f", diskFormat(dsId, vmId, diskId), disk.toString(),
                sizeMb + "M"), 600);
    }

    /**
     * A standalone copy of a VM's disk for disk save-as: where it is (relative to the data directory), its size and
     * SHA-256 (the front-end checks what it downloaded).
     */
    public record SavedCopy(String path, long size, String sha256) {
    }

    /**
     * Disk save-as: a standalone qcow2 copy of disk N (its backing chain flattened; with {@code snapshot} not
     * null, the content of that internal qcow2 snapshot) as {@code disk.N.saveas} in the VM's directory. The disk
     * may be in use by a running or paused domain: it is read without its lock ({@code -U}, as oned copies a live
     * disk), so a running guest's unflushed writes may be missing. A failed copy leaves nothing behind.
     */
    public SavedCopy saveasCopy(int dsId, int vmId, int diskId, String snapshot) throws IOException {
        Path disk = existingDisk(dsId, vmId, diskId);
        String fmt = diskFormat(dsId, vmId, diskId);
        List<String> cmd = new java.util.ArrayList<>(List.of("qemu-img", "convert", "-U", "-f", fmt, "-O", "qcow2"));
        if (snapshot != null && !snapshot.isBlank()) {
            if (!"qcow2".equals(fmt)) {
                throw new IllegalArgumentException("disk " + diskId + " is raw: it has no snapshots to save");
            }
            if (!snapshot.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("bad snapshot name '" + snapshot + "'");
            }
            cmd.add("-l");
            cmd.add("snapshot.name=" + snapshot);
        }
        Path copy = saveasFile(dsId, vmId, diskId);
        Files.deleteIfExists(copy);
        cmd.add(disk.toString());
        cmd.add(copy.toString());
        try {
            Virsh.exec(cmd, 3600);
        } catch (RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
        return new SavedCopy(root.relativize(copy).toString(), Files.size(copy), sha256(copy));
    }

    /** Removes the copy {@link #saveasCopy} made (gone already is fine). */
    public void dropSaveasCopy(int dsId, int vmId, int diskId) throws IOException {
        Files.deleteIfExists(saveasFile(dsId, vmId, diskId));
    }

    private Path saveasFile(int dsId, int vmId, int diskId) {
        return vmDir(dsId, vmId).resolve("disk." + diskId + ".saveas");
    }

    /** Removes disk N of a VM (and its format note); gone already is fine. */
    public void dropDisk(int dsId, int vmId, int diskId) throws IOException {
        Files.deleteIfExists(vmDir(dsId, vmId).resolve("disk." + diskId));
        Files.deleteIfExists(vmDir(dsId, vmId).resolve("disk." + diskId + ".format"));
    }

    private Path existingDisk(int dsId, int vmId, int diskId) {
        Path disk = vmDir(dsId, vmId).resolve("disk." + diskId);
        if (!Files.isRegularFile(disk)) {
            throw new IllegalArgumentException("disk " + diskId + " of VM " + vmId + " is not on this host");
        }
        return disk;
    }

    /** Removes a VM's directory (disks, context, checkpoint, logs). */
    public void cleanVm(int dsId, int vmId) throws IOException {
        Path dir = vmDir(dsId, vmId);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private Path cached(String key) {
        if (!key.matches("[0-9a-f]{16,64}")) {
            throw new IllegalArgumentException("bad cache key '" + key + "'");
        }
        Path p = root.resolve("cache").resolve(key);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("image " + key + " is not in this host's cache");
        }
        return p;
    }

    private Path sharedImage(String relative) {
        Path p = resolve(relative);
        if (!relative.startsWith("datastores/") || !Files.isRegularFile(p)) {
            throw new IllegalArgumentException("image " + relative + " is not on this host's shared storage (mount the"
                    + " front-end's datastore there under " + root.resolve("datastores") + ")");
        }
        return p;
    }

    private static void link(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from); // the cache is never modified in place: a hard link is a free copy
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path part(Path p) {
        return p.resolveSibling(p.getFileName() + ".part");
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
