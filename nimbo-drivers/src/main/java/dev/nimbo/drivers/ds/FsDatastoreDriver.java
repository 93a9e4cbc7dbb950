package dev.nimbo.drivers.ds;

import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreDriver;
import dev.nimbo.core.datastore.DatastoreDriverException;
import dev.nimbo.core.datastore.SafeDirs;
import dev.nimbo.core.image.Image;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The {@code fs} datastore driver: images are files under the datastore's BASE_PATH on the front-end's disk.
 * Images come from local files (only under the datastore's SAFE_DIRS, checked on the real path with links
 * resolved) or http(s) URLs; empty images are sparse files; snapshots of an image live in
 * {@code SOURCE.snap/ID}. Capacity is that of the file system holding BASE_PATH. A download or copy is written to
 * a temporary name first, so a failed or interrupted one leaves nothing behind. Optional MD5/SHA1 attributes of
 * the image are verified. Deleting an image removes its file only when it lies under BASE_PATH: a SOURCE an
 * administrator registered from elsewhere is left in place. Every operation runs on its own virtual thread; thread-safe.
 */
public final class FsDatastoreDriver implements DatastoreDriver {
    public static final String NAME = "fs";
    static final long MB = 1024L * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpClient http;
    private final Duration headTimeout;

    public FsDatastoreDriver() {
        this(Duration.ofSeconds(15));
    }

    FsDatastoreDriver(Duration headTimeout) {
        this.headTimeout = headTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(headTimeout).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<Long> stat(Datastore ds, String path) {
        return Async.run("fs-stat-" + ds.id(), () -> {
            if (isUrl(path)) {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri(path)).timeout(headTimeout)
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 != 2) {
                    throw new DatastoreDriverException("Cannot determine size for " + path + ": HTTP " + r.statusCode());
                }
                long bytes = r.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (bytes < 0) {
                    throw new DatastoreDriverException("Cannot determine size for " + path
                            + ": the server sent no Content-Length");
                }
                return ceilMb(bytes);
            }
            Path real = readable(ds, path);
            if (Files.isDirectory(real)) {
                throw new DatastoreDriverException("Cannot determine size for " + path + ": it is a directory");
            }
            return ceilMb(Files.size(real));
        });
    }

    @Override
    public CompletableFuture<Stored> copy(Datastore ds, Image image) {
        return Async.run("fs-cp-" + image.id(), () -> {
            Path dst = newSource(ds);
            Path tmp = dst.resolveSibling(dst.getFileName() + ".part");
            try {
                if (isUrl(image.path())) {
                    download(image.path(), tmp);
                } else {
                    copyFile(readable(ds, image.path()), tmp);
                }
                verify(image, tmp);
                Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return new Stored(dst.toString(), detectFormat(dst));
        });
    }

    @Override
    public CompletableFuture<Stored> importFile(Datastore ds, Image image, Path file) {
        return Async.run("fs-import-" + image.id(), () -> {
            Path dst = newSource(ds);
            Path tmp = dst.resolveSibling(dst.getFileName() + ".part");
            try {
                copyFile(file, tmp);
                Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return new Stored(dst.toString(), detectFormat(dst));
        });
    }

    @Override
    public CompletableFuture<Stored> mkfs(Datastore ds, Image image) {
        return Async.run("fs-mkfs-" + image.id(), () -> {
            String format = image.format().isEmpty() ? "raw" : image.format().toLowerCase(Locale.ROOT);
            if (!format.equals("raw")) {
                throw new DatastoreDriverException("The fs driver creates raw images only, not " + format);
            }
            if (!image.fs().isEmpty()) {
                throw new DatastoreDriverException("The fs driver cannot create a " + image.fs()
                        + " file system; leave FS empty for a blank disk");
            }
            Path dst = newSource(ds);
            try (RandomAccessFile f = new RandomAccessFile(dst.toFile(), "rw")) {
                f.setLength(image.sizeMb() * MB); // sparse: no blocks until written
            } catch (IOException e) {
                Files.deleteIfExists(dst);
                throw e;
            }
            return new Stored(dst.toString(), "raw");
        });
    }

    @Override
    public CompletableFuture<Stored> clone(Datastore ds, Image target, Datastore sourceDs, Image source) {
        return Async.run("fs-clone-" + target.id(), () -> {
            Path from = inside(sourceDs, source.source());
            Path dst = newSource(ds);
            Path tmp = dst.resolveSibling(dst.getFileName() + ".part");
            try {
                copyFile(from, tmp);
                Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return new Stored(dst.toString(), source.format().isEmpty() ? detectFormat(dst) : source.format());
        });
    }

    @Override
    public CompletableFuture<Void> delete(Datastore ds, Image image) {
        return Async.run("fs-rm-" + image.id(), () -> {
            if (image.source().isEmpty() || !owned(ds, image.source())) {
                return null; // a SOURCE registered from elsewhere is not the datastore's to remove
            }
            Path p = inside(ds, image.source());
            Files.deleteIfExists(p);
            deleteTree(snapDir(p));
            return null;
        });
    }

    @Override
    public CompletableFuture<Capacity> monitor(Datastore ds) {
        return Async.run("fs-monitor-" + ds.id(), () -> {
            Path base = base(ds);
            Files.createDirectories(base);
            FileStore store = Files.getFileStore(base);
            long total = store.getTotalSpace() / MB;
            long free = store.getUsableSpace() / MB;
            long used = (store.getTotalSpace() - store.getUnallocatedSpace()) / MB;
            return new Capacity(total, free, used);
        });
    }

    @Override
    public CompletableFuture<Void> snapshotDelete(Datastore ds, Image image, int snapshotId) {
        return Async.run("fs-snap-delete-" + image.id(), () -> {
            Files.deleteIfExists(snapDir(inside(ds, image.source())).resolve(String.valueOf(snapshotId)));
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> snapshotRevert(Datastore ds, Image image, int snapshotId) {
        return Async.run("fs-snap-revert-" + image.id(), () -> {
            Path p = inside(ds, image.source());
            replaceWithSnapshot(p, snapshotId);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> snapshotFlatten(Datastore ds, Image image, int snapshotId) {
        return Async.run("fs-snap-flatten-" + image.id(), () -> {
            Path p = inside(ds, image.source());
            replaceWithSnapshot(p, snapshotId);
            deleteTree(snapDir(p));
            return null;
        });
    }

    // ------------------------------------------------------------------ helpers

    private static void replaceWithSnapshot(Path image, int snapshotId) throws IOException {
        Path snap = snapDir(image).resolve(String.valueOf(snapshotId));
        if (!Files.isRegularFile(snap)) {
            throw new DatastoreDriverException("Snapshot " + snapshotId + " has no file at " + snap);
        }
        Path tmp = image.resolveSibling(image.getFileName() + ".part");
        try {
            copyFile(snap, tmp);
            Files.move(tmp, image, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static Path snapDir(Path image) {
        return image.resolveSibling(image.getFileName() + ".snap");
    }

    static boolean isUrl(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.startsWith("http://") || p.startsWith("https://");
    }

    private static URI uri(String url) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new DatastoreDriverException("Invalid URL " + url);
        }
    }

    static long ceilMb(long bytes) {
        return (bytes + MB - 1) / MB;
    }

    private static Path base(Datastore ds) {
        return Path.of(ds.basePath()).toAbsolutePath().normalize();
    }

    /** A fresh file name under BASE_PATH (directories created). */
    private static Path newSource(Datastore ds) throws IOException {
        Path base = base(ds);
        Files.createDirectories(base);
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return base.resolve(HexFormat.of().formatHex(b));
    }

    /** A local source path, refused unless its real location passes the datastore's SAFE_DIRS. */
    static Path readable(Datastore ds, String path) throws IOException {
        String refusal = SafeDirs.refusal(ds.template(), path);
        if (refusal != null) {
            throw new DatastoreDriverException(refusal);
        }
        Path real;
        try {
            real = Path.of(path).toRealPath();
        } catch (NoSuchFileException e) {
            throw new DatastoreDriverException("Cannot determine size for " + path + ": no such file");
        }
        if (!SafeDirs.allowed(ds.template(), real)) {
            throw new DatastoreDriverException("Not allowed to copy image from " + path + " (it resolves to " + real
                    + "), check SAFE_DIRS in your datastore");
        }
        return real;
    }

    /** True when {@code source} is a file under the datastore's BASE_PATH (so the datastore created it). */
    private static boolean owned(Datastore ds, String source) {
        try {
            Path p = Path.of(source).toAbsolutePath().normalize();
            return p.startsWith(base(ds)) && !p.equals(base(ds));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** An image file of the datastore: refused unless it lies under BASE_PATH. */
    private static Path inside(Datastore ds, String source) {
        Path p;
        try {
            p = Path.of(source).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new DatastoreDriverException("Invalid image SOURCE " + source);
        }
        if (!p.startsWith(base(ds)) || p.equals(base(ds))) {
            throw new DatastoreDriverException("Image SOURCE " + source + " is not under the datastore's BASE_PATH "
                    + ds.basePath());
        }
        return p;
    }

    private void download(String url, Path to) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri(url)).timeout(headTimeout).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() / 100 != 2) {
                throw new DatastoreDriverException("Error downloading " + url + ": HTTP " + r.statusCode());
            }
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
    }

    static void copyFile(Path from, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = in.size();
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, out);
            }
        }
    }

    /** Checks the image template's MD5 / SHA1 (hex) against the copied bytes. */
    private static void verify(Image image, Path file) throws IOException {
        for (String[] alg : new String[][] {{"MD5", "MD5"}, {"SHA1", "SHA-1"}}) {
            String expected = image.template().get(alg[0]);
            if (expected == null || expected.isBlank()) {
                continue;
            }
            String actual = digest(file, alg[1]);
            if (!actual.equalsIgnoreCase(expected.trim())) {
                throw new DatastoreDriverException(alg[0] + " mismatch: expected " + expected.trim() + ", got " + actual);
            }
        }
    }

    static String digest(Path file, String algorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** qcow2 by its magic, anything else raw. */
    public static String detectFormat(Path file) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 4) == 4 && head[0] == 'Q' && head[1] == 'F' && head[2] == 'I'
                    && (head[3] & 0xff) == 0xfb) {
                return "qcow2";
            }
        }
        return "raw";
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (DirectoryNotEmptyException e) {
                    throw new DatastoreDriverException("Cannot remove " + p + ": not empty");
                }
            }
        }
    }
}
