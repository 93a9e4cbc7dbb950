package dev.nimbo.drivers.ds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreDriver;
import dev.nimbo.core.datastore.DatastoreDriverException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fs driver on a real temporary directory, with a loopback HTTP server for URL images. */
class FsDatastoreDriverTest {
    @TempDir
    Path dir;

    Path safe;
    Datastore ds;
    FsDatastoreDriver driver = new FsDatastoreDriver();
    HttpServer http;
    byte[] served;

    @BeforeEach
    void setUp() throws IOException {
        safe = Files.createDirectories(dir.resolve("incoming"));
        ds = new Datastore(100, "fsds", 0, 0, "oneadmin", "oneadmin", new Permissions(0640), "fs", "ssh",
                dir.resolve("ds/100").toString(), Datastore.IMAGE_DS, 0, 0, Set.of(0), 0, 0, 0, Set.of(),
                Template.EMPTY.with("SAFE_DIRS", safe.toString()).with("RESTRICTED_DIRS", "/"));
        served = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(served);
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/img.raw", ex -> {
            ex.getResponseHeaders().set("Content-Length", String.valueOf(served.length));
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
            } else {
                ex.sendResponseHeaders(200, served.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(served);
                }
            }
            ex.close();
        });
        http.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        http.start();
    }

    @AfterEach
    void tearDown() {
        http.stop(0);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    static Throwable failure(CompletableFuture<?> f) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            f.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the operation to fail");
    }

    Image image(int id, String path) {
        return Image.builder(id, "img" + id).imageType(ImageType.OS).path(path).datastore(ds.id(), ds.name()).build();
    }

    String url(String p) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + p;
    }

    @Test
    void copiesALocalFileUnderSafeDirs() throws Exception {
        Path src = safe.resolve("disk.raw");
        byte[] data = new byte[2 * 1024 * 1024 + 1];
        new Random(1).nextBytes(data);
        Files.write(src, data);
        assertThat(await(driver.stat(ds, src.toString()))).isEqualTo(3L);
        DatastoreDriver.Stored stored = await(driver.copy(ds, image(1, src.toString())));
        Path copy = Path.of(stored.source());
        assertThat(copy.getParent()).isEqualTo(dir.resolve("ds/100"));
        assertThat(stored.format()).isEqualTo("raw");
        assertThat(FsDatastoreDriver.digest(copy, "SHA-256")).isEqualTo(FsDatastoreDriver.digest(src, "SHA-256"));
        try (var files = Files.list(copy.getParent())) {
            assertThat(files.filter(p -> p.toString().endsWith(".part")).count()).isZero();
        }
    }

    @Test
    void refusesPathsOutsideSafeDirsAndLinksOut() throws Exception {
        Path outside = Files.writeString(dir.resolve("secret.txt"), "no");
        assertThat(failure(driver.stat(ds, outside.toString()))).isInstanceOf(DatastoreDriverException.class)
                .hasMessageContaining("Not allowed to copy image from");
        Path link = safe.resolve("link.raw");
        Files.createSymbolicLink(link, outside);
        assertThat(failure(driver.copy(ds, image(2, link.toString())))).hasMessageContaining("resolves to");
        assertThat(failure(driver.stat(ds, safe.resolve("nope.raw").toString()))).hasMessageContaining("no such file");
    }

    @Test
    void downloadsFromHttpAndVerifiesChecksums() throws Exception {
        assertThat(await(driver.stat(ds, url("/img.raw")))).isEqualTo(4L);
        Image img = image(3, url("/img.raw"));
        String md5 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(served));
        DatastoreDriver.Stored stored = await(driver.copy(ds, img.withTemplate(Template.EMPTY.with("MD5", md5))));
        assertThat(Files.readAllBytes(Path.of(stored.source()))).isEqualTo(served);
        assertThat(failure(driver.copy(ds, img.withTemplate(Template.EMPTY.with("MD5", "00")))))
                .hasMessageContaining("MD5 mismatch");
        assertThat(failure(driver.stat(ds, url("/missing")))).hasMessageContaining("HTTP 404");
        assertThat(failure(driver.copy(ds, image(4, url("/missing"))))).hasMessageContaining("HTTP 404");
    }

    @Test
    void mkfsMakesSparseFilesAndCloneCopies() throws Exception {
        Image blank = Image.builder(5, "blank").imageType(ImageType.DATABLOCK).sizeMb(64).format("raw")
                .datastore(ds.id(), ds.name()).build();
        DatastoreDriver.Stored stored = await(driver.mkfs(ds, blank));
        Path p = Path.of(stored.source());
        assertThat(Files.size(p)).isEqualTo(64L * 1024 * 1024);
        Image made = blank.toBuilder().source(stored.source()).build();
        DatastoreDriver.Stored clone = await(driver.clone(ds, image(6, stored.source()), ds, made));
        assertThat(Files.size(Path.of(clone.source()))).isEqualTo(64L * 1024 * 1024);
        assertThat(clone.source()).isNotEqualTo(stored.source());
        assertThat(failure(driver.mkfs(ds, blank.toBuilder().format("qcow2").build()))).hasMessageContaining("raw");
        assertThat(failure(driver.mkfs(ds, blank.toBuilder().fs("ext4").build()))).hasMessageContaining("ext4");
    }

    @Test
    void deleteStaysInsideBasePathAndSnapshotsRevert() throws Exception {
        Path src = Files.writeString(safe.resolve("a.raw"), "current");
        DatastoreDriver.Stored stored = await(driver.copy(ds, image(7, src.toString())));
        Path p = Path.of(stored.source());
        Image img = image(7, src.toString()).toBuilder().source(stored.source()).build();
        Path snaps = Files.createDirectories(FsDatastoreDriver.snapDir(p));
        Files.writeString(snaps.resolve("0"), "older");
        await(driver.snapshotRevert(ds, img, 0));
        assertThat(Files.readString(p)).isEqualTo("older");
        assertThat(failure(driver.snapshotRevert(ds, img, 5))).hasMessageContaining("no file");
        await(driver.snapshotFlatten(ds, img, 0));
        assertThat(Files.exists(snaps)).isFalse();
        Image outside = img.toBuilder().source(src.toString()).build();
        await(driver.delete(ds, outside)); // registered from elsewhere: forgotten, never removed
        assertThat(Files.exists(src)).isTrue();
        assertThat(failure(driver.snapshotRevert(ds, outside, 0))).hasMessageContaining("not under the datastore's BASE_PATH");
        await(driver.delete(ds, img));
        assertThat(Files.exists(p)).isFalse();
    }

    @Test
    void monitorReportsTheFileSystem() throws Exception {
        DatastoreDriver.Capacity c = await(driver.monitor(ds));
        assertThat(c.totalMb()).isPositive();
        assertThat(c.freeMb()).isBetween(0L, c.totalMb());
        assertThat(c.usedMb()).isBetween(0L, c.totalMb());
        assertThat(Files.isDirectory(dir.resolve("ds/100"))).isTrue();
    }

    @Test
    void aTimedOutCopyIsInterruptedAndLeavesNothing() throws Exception {
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.createContext("/slow", ex -> {
            ex.sendResponseHeaders(200, 1024L * 1024 * 1024);
            try (OutputStream o = ex.getResponseBody()) {
                byte[] chunk = new byte[8192];
                for (int i = 0; i < 100_000; i++) {
                    o.write(chunk);
                    Thread.sleep(5);
                }
            } catch (IOException | InterruptedException e) {
                // client went away
            }
        });
        slow.start();
        try {
            CompletableFuture<DatastoreDriver.Stored> f = driver.copy(ds,
                    image(8, "http://127.0.0.1:" + slow.getAddress().getPort() + "/slow"));
            f.orTimeout(500, TimeUnit.MILLISECONDS);
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
            Thread.sleep(500);
            try (var files = Files.list(dir.resolve("ds/100"))) {
                assertThat(files.toList()).isEmpty();
            }
        } finally {
            slow.stop(0);
        }
    }
}
