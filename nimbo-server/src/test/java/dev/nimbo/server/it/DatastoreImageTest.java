package dev.nimbo.server.it;

import static dev.nimbo.server.it.Rpc.ACTION;
import static dev.nimbo.server.it.Rpc.ALLOCATE;
import static dev.nimbo.server.it.Rpc.AUTHENTICATION;
import static dev.nimbo.server.it.Rpc.AUTHORIZATION;
import static dev.nimbo.server.it.Rpc.INTERNAL;
import static dev.nimbo.server.it.Rpc.LOCKED;
import static dev.nimbo.server.it.Rpc.NO_EXISTS;
import static dev.nimbo.server.it.Rpc.XML_RPC_API;
import static dev.nimbo.server.it.Rpc.fails;
import static dev.nimbo.server.it.Rpc.ok;
import static dev.nimbo.server.it.Rpc.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Datastores and images end to end over XML-RPC against a real nimbod: every one.datastore.* and one.image.*
 * method, the fs driver copying real files and http URLs, the dummy driver's latency and failures, quotas,
 * tenant permissions, and images left mid-operation by a crash. One daemon for the class; unique names.
 */
@ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatastoreImageTest {
    static final Duration WAIT = Duration.ofSeconds(15);

    Path dir;
    Path safe;
    NimbodProcess nimbod;
    OneClient admin;
    HttpServer http;
    byte[] served;
    int fsDs;
    int dummyDs;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("nimbod-ds-");
        safe = Files.createDirectories(dir.resolve("incoming"));
        nimbod = NimbodProcess.start(dir.resolve("data"), null, java.util.Map.of("NIMBO_DS_MONITOR_INTERVAL", "1"));
        admin = nimbod.client();
        served = new byte[5 * 1024 * 1024 + 3];
        new Random(42).nextBytes(served);
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/images/disk.raw", ex -> {
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
        http.start();
        fsDs = ok(admin.call("one.datastore.allocate", "NAME=" + unique("fs") + "\nDS_MAD=fs\nTM_MAD=shared\n"
                + "SAFE_DIRS=\"" + safe + "\"", -1)).intValue();
        dummyDs = ok(admin.call("one.datastore.allocate", "NAME=" + unique("dummy") + "\nDS_MAD=dummy\nTM_MAD=dummy\n"
                + "DUMMY_DELAY_MS=300", -1)).intValue();
        // tenants may use both datastores (other USE), as a VDC would grant
        ok(admin.call("one.datastore.chmod", fsDs, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        ok(admin.call("one.datastore.chmod", dummyDs, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        awaitMonitored(fsDs);
        awaitMonitored(dummyDs);
    }

    @AfterAll
    void stop() throws Exception {
        if (http != null) {
            http.stop(0);
        }
        if (nimbod != null) {
            assertThat(nimbod.stop()).as("clean exit on SIGTERM").isZero();
        }
    }

    // ------------------------------------------------------------------ helpers




    XmlNode info(OneClient c, String method, int id) {
        return XmlNode.parse(ok(c.call(method, id)).stringValue());
    }

    XmlNode image(int id) {
        return info(admin, "one.image.info", id);
    }

    XmlNode awaitImage(int id, int state) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> image(id).integer("STATE", -1) == state);
        return image(id);
    }

    void awaitMonitored(int ds) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> info(admin, "one.datastore.info", ds).longValue("TOTAL_MB", 0) > 0);
    }

    void awaitGone(int imageId) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> admin.call("one.image.info", imageId).errorCode() == NO_EXISTS);
    }

    Path file(String name, int bytes) throws IOException {
        byte[] data = new byte[bytes];
        new Random(bytes).nextBytes(data);
        return Files.write(safe.resolve(name), data);
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    int newUser(String name) {
        return ok(admin.call("one.user.allocate", name, "pw", "", List.of())).intValue();
    }

    OneClient as(String name) {
        return nimbod.client(name + ":pw");
    }

    int dummyImage(OneClient c, String extra) {
        return ok(c.call("one.image.allocate", "NAME=" + unique("img") + "\nTYPE=DATABLOCK\nSIZE=10\n" + extra,
                dummyDs)).intValue();
    }

    // ------------------------------------------------------------------ datastores

    @Test
    void bootstrapDatastoresAreMonitored() {
        XmlNode pool = XmlNode.parse(ok(admin.call("one.datastorepool.info")).stringValue());
        assertThat(pool.name()).isEqualTo("DATASTORE_POOL");
        assertThat(pool.all("DATASTORE").stream().map(d -> d.text("NAME")).toList())
                .contains("system", "default", "files");
        awaitMonitored(1);
        XmlNode def = info(admin, "one.datastore.info", 1);
        assertThat(def.longValue("FREE_MB", -1)).isBetween(0L, def.longValue("TOTAL_MB", 0));
        assertThat(def.text("BASE_PATH")).isEqualTo(nimbod.dataDir().resolve("datastores/1").toAbsolutePath().toString());
    }

    @Test
    void datastoreLifecycle() {
        String name = unique("ds");
        int id = ok(admin.call("one.datastore.allocate", "NAME=" + name + "\nDS_MAD=fs\nTM_MAD=ssh\nDISK_TYPE=block",
                -1)).intValue();
        assertThat(id).isGreaterThanOrEqualTo(100);
        XmlNode ds = info(admin, "one.datastore.info", id);
        assertThat(ds.text("NAME")).isEqualTo(name);
        assertThat(ds.text("DS_MAD")).isEqualTo("fs");
        assertThat(ds.text("TM_MAD")).isEqualTo("ssh");
        assertThat(ds.integer("TYPE", -1)).isZero();
        assertThat(ds.integer("DISK_TYPE", -1)).isEqualTo(2);
        assertThat(ds.integer("STATE", -1)).isZero();
        assertThat(ds.text("BASE_PATH")).endsWith("/datastores/" + id);
        assertThat(ds.child("CLUSTERS").all("ID").stream().map(XmlNode::text).toList()).containsExactly("0");
        assertThat(ds.child("TEMPLATE").text("SAFE_DIRS")).isEqualTo("/var/tmp");
        assertThat(ds.child("TEMPLATE").text("CLONE_TARGET")).isEqualTo("SYSTEM");
        assertThat(ok(admin.call("one.cluster.info", 0)).stringValue()).contains("<ID>" + id + "</ID>");
        awaitMonitored(id);

        ok(admin.call("one.datastore.update", id, "DESCRIPTION=\"fast disks\"", 1));
        XmlNode updated = info(admin, "one.datastore.info", id);
        assertThat(updated.child("TEMPLATE").text("DESCRIPTION")).isEqualTo("fast disks");
        assertThat(updated.text("DS_MAD")).isEqualTo("fs");
        fails(admin.call("one.datastore.update", id, "DS_MAD=ceph", 1), INTERNAL,
                "Cannot update template. DS_MAD named \"ceph\" is not defined");
        ok(admin.call("one.datastore.update", id, "DS_MAD=dummy\nTM_MAD=dummy", 1));
        assertThat(info(admin, "one.datastore.info", id).text("DS_MAD")).isEqualTo("dummy");

        String renamed = unique("renamed");
        ok(admin.call("one.datastore.rename", id, renamed));
        assertThat(info(admin, "one.datastore.info", id).text("NAME")).isEqualTo(renamed);
        fails(admin.call("one.datastore.rename", id, "default"), ACTION, "NAME is already taken by DATASTORE 1");
        ok(admin.call("one.datastore.chmod", id, 1, 1, 1, 1, 0, 0, 1, 0, 0));
        assertThat(info(admin, "one.datastore.info", id).child("PERMISSIONS").integer("OTHER_U", -1)).isEqualTo(1);
        int user = newUser(unique("dsowner"));
        ok(admin.call("one.datastore.chown", id, user, 1));
        assertThat(info(admin, "one.datastore.info", id).integer("UID", -1)).isEqualTo(user);
        fails(admin.call("one.datastore.enable", id, false), INTERNAL, "Only SYSTEM_DS can be disabled or enabled");

        int sys = ok(admin.call("one.datastore.allocate", "NAME=" + unique("sys") + "\nTYPE=SYSTEM_DS\nTM_MAD=ssh", -1))
                .intValue();
        XmlNode system = info(admin, "one.datastore.info", sys);
        assertThat(system.text("DS_MAD")).isEqualTo("-");
        assertThat(system.integer("TYPE", -1)).isEqualTo(1);
        assertThat(system.child("TEMPLATE").text("SHARED")).isEqualTo("NO");
        ok(admin.call("one.datastore.enable", sys, false));
        assertThat(info(admin, "one.datastore.info", sys).integer("STATE", -1)).isEqualTo(1);
        ok(admin.call("one.datastore.enable", sys, true));
        assertThat(info(admin, "one.datastore.info", sys).integer("STATE", -1)).isZero();

        ok(admin.call("one.datastore.delete", id));
        ok(admin.call("one.datastore.delete", sys));
        fails(admin.call("one.datastore.info", id), NO_EXISTS, "Error getting datastore [" + id + "]");
        assertThat(ok(admin.call("one.cluster.info", 0)).stringValue()).doesNotContain("<ID>" + id + "</ID>");
    }

    @Test
    void capacityIsMonitoredPeriodically() {
        int ds = ok(admin.call("one.datastore.allocate", "NAME=" + unique("mon") + "\nDS_MAD=dummy\nTM_MAD=dummy\n"
                + "DUMMY_DELAY_MS=0\nDUMMY_TOTAL_MB=5000", -1)).intValue();
        await().atMost(WAIT).until(() -> info(admin, "one.datastore.info", ds).longValue("TOTAL_MB", 0) == 5000);
        // nothing but the next periodic round (1 s in this daemon) reads the new capacity
        ok(admin.call("one.datastore.update", ds, "DUMMY_TOTAL_MB=7000", 1));
        await().atMost(WAIT).until(() -> info(admin, "one.datastore.info", ds).longValue("FREE_MB", 0) == 7000);
        ok(admin.call("one.datastore.delete", ds));
    }

    @Test
    void datastoreBadInput() {
        fails(admin.call("one.datastore.allocate", "NAME=" + unique("x") + "\nTM_MAD=ssh", -1), INTERNAL,
                "No DS_MAD in template.");
        fails(admin.call("one.datastore.allocate", "NAME=" + unique("x") + "\nDS_MAD=ceph\nTM_MAD=ssh", -1), INTERNAL,
                "DS_MAD named \"ceph\" is not defined");
        fails(admin.call("one.datastore.allocate", "NAME=" + unique("x") + "\nDS_MAD=fs\nTM_MAD=gluster", -1), INTERNAL,
                "TM_MAD named \"gluster\" is not defined");
        fails(admin.call("one.datastore.allocate", "NAME=" + unique("x") + "\nTYPE=SYSTEM_DS\nDS_MAD=fs\nTM_MAD=ssh", -1),
                INTERNAL, "SYSTEM datastores cannot have DS_MAD defined.");
        fails(admin.call("one.datastore.allocate", "NAME=default\nDS_MAD=fs\nTM_MAD=ssh", -1), INTERNAL,
                "NAME is already taken by DATASTORE 1.");
        fails(admin.call("one.datastore.allocate", "DS_MAD=fs\nTM_MAD=ssh", -1), INTERNAL, "Invalid NAME");
        fails(admin.call("one.datastore.allocate", "NAME=" + unique("x") + "\nDS_MAD=fs\nTM_MAD=ssh", 999), NO_EXISTS,
                "Error getting cluster [999]");
        fails(admin.call("one.datastore.delete", 9999), NO_EXISTS, "Error getting datastore [9999]");
        int img = dummyImage(admin, "");
        fails(admin.call("one.datastore.delete", dummyDs), ACTION,
                "Cannot delete datastore. Datastore " + dummyDs + " is not empty.");
        awaitImage(img, 1);
        ok(admin.call("one.image.delete", img));
        awaitGone(img);
    }

    // ------------------------------------------------------------------ images with the fs driver

    @Test
    void fsDriverCopiesALocalFile() throws Exception {
        Path src = file(unique("disk") + ".raw", 2 * 1024 * 1024 + 512);
        int id = ok(admin.call("one.image.allocate", "NAME=" + unique("local") + "\nPATH=\"" + src + "\"\n"
                + "DESCRIPTION=\"a disk\"", fsDs)).intValue();
        XmlNode first = image(id);
        assertThat(first.integer("STATE", -1)).isIn(4, 1); // LOCKED until the copy ends
        XmlNode img = awaitImage(id, 1);
        assertThat(img.integer("SIZE", -1)).isEqualTo(3);
        assertThat(img.text("PATH")).isEqualTo(src.toString());
        assertThat(img.text("FORMAT")).isEqualTo("raw");
        assertThat(img.integer("TYPE", -1)).isZero();
        assertThat(img.integer("PERSISTENT", -1)).isZero();
        assertThat(img.integer("DATASTORE_ID", -1)).isEqualTo(fsDs);
        assertThat(img.child("TEMPLATE").text("DEV_PREFIX")).isEqualTo("sd");
        Path copy = Path.of(img.text("SOURCE"));
        assertThat(copy.getParent()).isEqualTo(Path.of(info(admin, "one.datastore.info", fsDs).text("BASE_PATH")));
        assertThat(sha256(Files.readAllBytes(copy))).isEqualTo(sha256(Files.readAllBytes(src)));
        assertThat(ok(admin.call("one.datastore.info", fsDs)).stringValue()).contains("<IMAGES><ID>" + id + "</ID>");

        ok(admin.call("one.image.delete", id));
        awaitGone(id);
        assertThat(Files.exists(copy)).isFalse();
        assertThat(ok(admin.call("one.datastore.info", fsDs)).stringValue()).doesNotContain("<ID>" + id + "</ID>");
    }

    @Test
    void fsDriverDownloadsFromHttp() throws Exception {
        String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/images/disk.raw";
        int id = ok(admin.call("one.image.allocate", "NAME=" + unique("web") + "\nPATH=\"" + url + "\"", fsDs))
                .intValue();
        XmlNode img = awaitImage(id, 1);
        assertThat(img.integer("SIZE", -1)).isEqualTo(6);
        assertThat(sha256(Files.readAllBytes(Path.of(img.text("SOURCE"))))).isEqualTo(sha256(served));
        ok(admin.call("one.image.delete", id));
        awaitGone(id);
    }

    @Test
    void pathsOutsideSafeDirsAreRefused() throws Exception {
        fails(admin.call("one.image.allocate", "NAME=" + unique("bad") + "\nPATH=/etc/passwd", fsDs), ALLOCATE,
                "Not allowed to copy image from /etc/passwd, check SAFE_DIRS in your datastore");
        fails(admin.call("one.image.allocate", "NAME=" + unique("bad") + "\nPATH=\"" + safe + "/../../etc/hosts\"",
                fsDs), ALLOCATE, "Not allowed to copy image");
        Path link = safe.resolve(unique("link"));
        Files.createSymbolicLink(link, Path.of("/etc/hostname"));
        fails(admin.call("one.image.allocate", "NAME=" + unique("bad") + "\nPATH=\"" + link + "\"", fsDs), INTERNAL,
                "Cannot parse image SIZE: Not allowed to copy image");
        fails(admin.call("one.image.allocate", "NAME=" + unique("bad") + "\nPATH=ftp://example.org/x.img", fsDs),
                ALLOCATE, "only http and https");
        fails(admin.call("one.image.allocate", "NAME=" + unique("bad") + "\nPATH=\"" + safe + "/nope.img\"", fsDs),
                INTERNAL, "Cannot parse image SIZE");
    }

    @Test
    void emptyDatablocksAreSparseFiles() throws Exception {
        int id = ok(admin.call("one.image.allocate", "NAME=" + unique("blank") + "\nTYPE=DATABLOCK\nSIZE=32", fsDs))
                .intValue();
        XmlNode img = awaitImage(id, 1);
        assertThat(img.integer("TYPE", -1)).isEqualTo(2);
        assertThat(img.text("FORMAT")).isEqualTo("raw");
        assertThat(Files.size(Path.of(img.text("SOURCE")))).isEqualTo(32L * 1024 * 1024);
        fails(admin.call("one.image.allocate", "NAME=" + unique("blank") + "\nTYPE=DATABLOCK", fsDs), INTERNAL,
                "Cannot parse image SIZE: Wrong number or missing SIZE attribute.");
        ok(admin.call("one.image.delete", id));
        awaitGone(id);
    }

    @Test
    void typeAndDatastoreRules() throws IOException {
        fails(admin.call("one.image.allocate", "NAME=" + unique("k") + "\nTYPE=KERNEL\nPATH=/var/tmp/k", fsDs),
                ALLOCATE, "IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore");
        fails(admin.call("one.image.allocate", "NAME=" + unique("o") + "\nTYPE=OS\nSIZE=1", 2), ALLOCATE,
                "Only IMAGES of type KERNEL, RAMDISK and CONTEXT can be registered in a FILE_DS datastore");
        fails(admin.call("one.image.allocate", "NAME=" + unique("c") + "\nTYPE=CDROM", fsDs), INTERNAL,
                "Either PATH or SOURCE are required for CDROM");
        fails(admin.call("one.image.allocate", "NAME=" + unique("t") + "\nTYPE=FLOPPY\nSIZE=1", fsDs), ALLOCATE,
                "Unknown type FLOPPY");
        fails(admin.call("one.image.allocate", "NAME=" + unique("s") + "\nSIZE=1", 0), ALLOCATE,
                "New images can only be allocated in a files or image datastore.");
        fails(admin.call("one.image.allocate", "NAME=" + unique("n") + "\nSIZE=1", 9999), NO_EXISTS,
                "Error getting datastore [9999]");
        fails(admin.call("one.image.allocate", "SIZE=1\nTYPE=DATABLOCK", dummyDs), ALLOCATE, "Invalid NAME");
        fails(admin.call("one.image.allocate", "NAME=" + unique("ps") + "\nPATH=/var/tmp/a\nSOURCE=/x\nFORMAT=raw",
                dummyDs), ALLOCATE, "PATH and SOURCE cannot be both set.");
        String name = unique("dup");
        int id = ok(admin.call("one.image.allocate", "NAME=" + name + "\nTYPE=DATABLOCK\nSIZE=1", dummyDs)).intValue();
        fails(admin.call("one.image.allocate", "NAME=" + name + "\nTYPE=DATABLOCK\nSIZE=1", dummyDs), ALLOCATE,
                "NAME is already taken by IMAGE " + id + ".");
        awaitImage(id, 1);
        // a SOURCE already in the datastore is registered READY at once; the kernel goes to the files datastore
        Path vmlinuz = file(unique("vmlinuz"), 1000);
        int kernel = ok(admin.call("one.image.allocate", "NAME=" + unique("vmlinuz") + "\nTYPE=KERNEL\n"
                + "SOURCE=\"" + vmlinuz + "\"\nFORMAT=raw\nSIZE=12", 2)).intValue();
        XmlNode k = image(kernel);
        assertThat(k.integer("STATE", -1)).isEqualTo(1);
        assertThat(k.integer("TYPE", -1)).isEqualTo(3);
        assertThat(k.child("TEMPLATE").child("DEV_PREFIX")).isNull();
        ok(admin.call("one.image.delete", kernel));
        ok(admin.call("one.image.delete", id));
        awaitGone(kernel); // its SOURCE is not under the datastore's BASE_PATH: forgotten, not removed
        assertThat(Files.exists(vmlinuz)).isTrue();
    }

    // ------------------------------------------------------------------ the dummy driver: latency, failures, capacity

    @Test
    void dummyLatencyShowsLockedThenReady() {
        int id = dummyImage(admin, "");
        assertThat(image(id).integer("STATE", -1)).isEqualTo(4);
        fails(admin.call("one.image.delete", id), INTERNAL, "Image locked, use --force flag to remove the image.");
        fails(admin.call("one.image.clone", id, unique("c")), ALLOCATE, "Cannot clone image in state: LOCKED");
        XmlNode ready = awaitImage(id, 1);
        assertThat(ready.text("SOURCE")).endsWith("/dummy-" + id);
        assertThat(ready.integer("PREV_STATE", -1)).isEqualTo(4);
        ok(admin.call("one.image.delete", id));
        awaitGone(id);
    }

    @Test
    void driverFailuresPutImagesInError() {
        int ds = ok(admin.call("one.datastore.allocate", "NAME=" + unique("broken") + "\nDS_MAD=dummy\nTM_MAD=dummy\n"
                + "DUMMY_DELAY_MS=20\nDUMMY_FAIL=\"mkfs,rm\"", -1)).intValue();
        awaitMonitored(ds);
        int id = ok(admin.call("one.image.allocate", "NAME=" + unique("f") + "\nTYPE=DATABLOCK\nSIZE=5", ds)).intValue();
        XmlNode img = awaitImage(id, 5);
        assertThat(img.child("TEMPLATE").text("ERROR")).contains(" : Error creating datablock: dummy driver: mkfs failed");
        ok(admin.call("one.image.enable", id, false));
        assertThat(image(id).integer("STATE", -1)).isEqualTo(3);
        ok(admin.call("one.image.delete", id)); // never stored: dropped at once
        fails(admin.call("one.image.info", id), NO_EXISTS, "Error getting image");

        ok(admin.call("one.datastore.update", ds, "DUMMY_FAIL=rm", 1));
        int stored = ok(admin.call("one.image.allocate", "NAME=" + unique("g") + "\nTYPE=DATABLOCK\nSIZE=5", ds))
                .intValue();
        awaitImage(stored, 1);
        ok(admin.call("one.image.delete", stored));
        XmlNode failed = awaitImage(stored, 5);
        assertThat(failed.child("TEMPLATE").text("ERROR")).contains("Error removing image from datastore");
        ok(admin.call("one.image.delete", stored, true));
        awaitGone(stored);
        ok(admin.call("one.datastore.delete", ds));
    }

    @Test
    void notEnoughCapacity() {
        int ds = ok(admin.call("one.datastore.allocate", "NAME=" + unique("small") + "\nDS_MAD=dummy\nTM_MAD=dummy\n"
                + "DUMMY_DELAY_MS=0\nDUMMY_TOTAL_MB=100", -1)).intValue();
        awaitMonitored(ds);
        fails(admin.call("one.image.allocate", "NAME=" + unique("big") + "\nTYPE=DATABLOCK\nSIZE=200", ds), ACTION,
                "Not enough space in datastore");
        int forced = ok(admin.call("one.image.allocate", "NAME=" + unique("big") + "\nTYPE=DATABLOCK\nSIZE=200", ds,
                true)).intValue();
        awaitImage(forced, 1);
        ok(admin.call("one.datastore.update", ds, "LIMIT_MB=50\nDUMMY_TOTAL_MB=100000", 1));
        await().atMost(WAIT).until(() -> info(admin, "one.datastore.info", ds).longValue("USED_MB", 0) == 200);
        fails(admin.call("one.image.allocate", "NAME=" + unique("c") + "\nTYPE=DATABLOCK\nSIZE=1", ds), ACTION,
                "Not enough space in datastore");
        fails(admin.call("one.image.clone", forced, unique("c")), ACTION, "Not enough space in datastore");
        ok(admin.call("one.image.delete", forced));
        awaitGone(forced);
        ok(admin.call("one.datastore.delete", ds));
    }

    // ------------------------------------------------------------------ quotas and permissions

    @Test
    void datastoreQuotasRefuseOverLimit() {
        String name = unique("quser");
        int uid = newUser(name);
        OneClient tenant = as(name);
        ok(admin.call("one.user.quota", uid, "DATASTORE=[ID=" + dummyDs + ", IMAGES=1, SIZE=100]"));
        int first = dummyImage(tenant, "");
        String quota = ok(admin.call("one.user.info", uid)).stringValue();
        assertThat(quota).contains("<IMAGES_USED>1</IMAGES_USED>").contains("<SIZE_USED>10</SIZE_USED>");
        fails(tenant.call("one.image.allocate", "NAME=" + unique("q") + "\nTYPE=DATABLOCK\nSIZE=1", dummyDs),
                AUTHORIZATION, "limit of 1 reached for IMAGES quota in DATASTORE with ID: " + dummyDs);
        awaitImage(first, 1);
        fails(tenant.call("one.image.clone", first, unique("q")), AUTHORIZATION, "limit of 1 reached for IMAGES");
        ok(tenant.call("one.image.delete", first));
        awaitGone(first);
        assertThat(ok(admin.call("one.user.info", uid)).stringValue()).contains("<IMAGES_USED>0</IMAGES_USED>")
                .contains("<SIZE_USED>0</SIZE_USED>");
        fails(tenant.call("one.image.allocate", "NAME=" + unique("q") + "\nTYPE=DATABLOCK\nSIZE=101", dummyDs),
                AUTHORIZATION, "limit of 100 reached for SIZE quota in DATASTORE with ID: " + dummyDs);
        // the group's quota counts too
        String groupQuota = ok(admin.call("one.group.info", 1)).stringValue();
        assertThat(groupQuota).contains("<DATASTORE_QUOTA>");
    }

    @Test
    void tenantsSeeAndChangeOnlyWhatTheyMay() {
        String an = unique("ann");
        String bn = unique("bob");
        int ann = newUser(an);
        int bob = newUser(bn);
        OneClient a = as(an);
        OneClient b = as(bn);
        fails(a.call("one.datastore.allocate", "NAME=" + unique("x") + "\nDS_MAD=fs\nTM_MAD=ssh", -1), AUTHORIZATION,
                "");
        fails(a.call("one.datastore.delete", dummyDs), AUTHORIZATION, "");
        fails(a.call("one.datastore.update", dummyDs, "X=1", 1), AUTHORIZATION, "");
        assertThat(info(a, "one.datastore.info", dummyDs).integer("ID", -1)).isEqualTo(dummyDs);
        // the default VDC lets the users group USE every datastore, not change them
        fails(a.call("one.datastore.rename", dummyDs, unique("mine")), AUTHORIZATION, "");
        fails(a.call("one.datastore.chmod", dummyDs, 1, 1, 1, 1, 1, 1, 1, 1, 1), AUTHORIZATION, "");
        fails(a.call("one.datastore.enable", 0, false), AUTHORIZATION, "");
        int cluster = ok(admin.call("one.cluster.allocate", unique("cl"))).intValue();
        fails(a.call("one.datastore.allocate", "NAME=" + unique("x") + "\nDS_MAD=dummy\nTM_MAD=dummy", cluster),
                AUTHORIZATION, "");
        int elsewhere = ok(admin.call("one.datastore.allocate", "NAME=" + unique("private") + "\nDS_MAD=dummy\n"
                + "TM_MAD=dummy", cluster)).intValue();
        assertThat(info(admin, "one.datastore.info", elsewhere).child("CLUSTERS").text("ID"))
                .isEqualTo(String.valueOf(cluster));
        assertThat(ok(admin.call("one.cluster.info", cluster)).stringValue()).contains("<ID>" + elsewhere + "</ID>");
        ok(admin.call("one.datastore.delete", elsewhere));
        fails(a.call("one.image.allocate", "NAME=x\nSOURCE=/x\nFORMAT=raw\nSIZE=1", dummyDs), AUTHORIZATION,
                "Template includes a restricted attribute SOURCE");

        int img = dummyImage(a, "");
        assertThat(image(img).integer("UID", -1)).isEqualTo(ann);
        fails(b.call("one.image.info", img), AUTHORIZATION, "");
        fails(b.call("one.image.delete", img), AUTHORIZATION, "");
        String bobsPool = ok(b.call("one.imagepool.info", -2, -1, -1)).stringValue();
        assertThat(bobsPool).doesNotContain("<ID>" + img + "</ID>");
        assertThat(ok(a.call("one.imagepool.info", -3, -1, -1)).stringValue()).contains("<ID>" + img + "</ID>");
        assertThat(ok(admin.call("one.imagepool.info", -2, -1, -1)).stringValue()).contains("<ID>" + img + "</ID>");
        ok(a.call("one.image.chmod", img, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        assertThat(info(b, "one.image.info", img).integer("ID", -1)).isEqualTo(img);
        fails(b.call("one.image.update", img, "X=1", 1), AUTHORIZATION, "");
        fails(a.call("one.image.chown", img, bob, -1), AUTHORIZATION, "");
        awaitImage(img, 1);
        ok(a.call("one.image.delete", img));
        awaitGone(img);
    }

    // ------------------------------------------------------------------ every image action

    @Test
    void imageActions() {
        int id = dummyImage(admin, "DESCRIPTION=one");
        awaitImage(id, 1);
        ok(admin.call("one.image.persistent", id, true));
        assertThat(image(id).integer("PERSISTENT", -1)).isEqualTo(1);
        ok(admin.call("one.image.persistent", id, false));
        ok(admin.call("one.image.chtype", id, "OS"));
        assertThat(image(id).integer("TYPE", -1)).isZero();
        fails(admin.call("one.image.chtype", id, "KERNEL"), ACTION,
                "Cannot change image type to an incompatible type for the current datastore.");
        fails(admin.call("one.image.chtype", id, "FLOPPY"), INTERNAL, "Unknown type FLOPPY");
        ok(admin.call("one.image.enable", id, false));
        assertThat(image(id).integer("STATE", -1)).isEqualTo(3);
        fails(admin.call("one.image.clone", id, unique("c")), ALLOCATE, "Cannot clone image in state: DISABLED");
        ok(admin.call("one.image.enable", id, true));
        assertThat(image(id).integer("STATE", -1)).isEqualTo(1);
        ok(admin.call("one.image.update", id, "DESCRIPTION=two\nLABEL=x", 1));
        assertThat(image(id).child("TEMPLATE").text("DESCRIPTION")).isEqualTo("two");
        String newName = unique("renamed");
        ok(admin.call("one.image.rename", id, newName));
        assertThat(image(id).text("NAME")).isEqualTo(newName);
        ok(admin.call("one.image.chmod", id, 1, 1, 0, 1, 0, 0, 0, 0, 0));
        assertThat(image(id).child("PERMISSIONS").integer("GROUP_U", -1)).isEqualTo(1);

        ok(admin.call("one.image.lock", id, 1));
        assertThat(image(id).child("LOCK").integer("LOCKED", -1)).isEqualTo(1);
        fails(admin.call("one.image.delete", id), LOCKED, "locked");
        ok(admin.call("one.image.unlock", id));
        assertThat(image(id).child("LOCK")).isNull();

        for (String m : List.of("one.image.snapshotdelete", "one.image.snapshotrevert", "one.image.snapshotflatten")) {
            fails(admin.call(m, id, 0), ACTION, m.endsWith("delete") ? "Snapshot does not exist" : "Snapshot does not exist");
        }
        ok(admin.call("one.image.enable", id, false));
        fails(admin.call("one.image.snapshotrevert", id, 0), ACTION, "Cannot revert to snapshot in state DISABLED");
        ok(admin.call("one.image.chtype", id, "CDROM"));
        fails(admin.call("one.image.snapshotdelete", id, 0), ACTION,
                "IMAGES of type KERNEL, RAMDISK, BACKUP, FILESYSTEM and CONTEXT does not have snapshots.");
        ok(admin.call("one.image.delete", id));
        awaitGone(id);
        fails(admin.call("one.image.persistent", id, true), NO_EXISTS, "Error getting image [" + id + "]");
    }

    @Test
    void chownMovesTheQuota() {
        String name = unique("newowner");
        int uid = newUser(name);
        int id = dummyImage(admin, "");
        awaitImage(id, 1);
        ok(admin.call("one.image.chown", id, uid, 1));
        XmlNode img = image(id);
        assertThat(img.integer("UID", -1)).isEqualTo(uid);
        assertThat(img.text("UNAME")).isEqualTo(name);
        assertThat(ok(admin.call("one.user.info", uid)).stringValue()).contains("<IMAGES_USED>1</IMAGES_USED>");
        ok(admin.call("one.user.quota", uid, "DATASTORE=[ID=" + dummyDs + ", IMAGES=1]"));
        int other = dummyImage(admin, "");
        awaitImage(other, 1);
        fails(admin.call("one.image.chown", other, uid, -1), AUTHORIZATION, "limit of 1 reached for IMAGES quota");
        ok(as(name).call("one.image.delete", id));
        ok(admin.call("one.image.delete", other));
        awaitGone(id);
        assertThat(ok(admin.call("one.user.info", uid)).stringValue()).contains("<IMAGES_USED>0</IMAGES_USED>");
    }

    @Test
    void cloneCopiesTheSourceAndReleasesIt() throws Exception {
        Path src = file(unique("base") + ".raw", 1024 * 1024);
        int base = ok(admin.call("one.image.allocate", "NAME=" + unique("base") + "\nPATH=\"" + src + "\"\n"
                + "PERSISTENT=yes", fsDs)).intValue();
        awaitImage(base, 1);
        String cloneName = unique("copy");
        int copy = ok(admin.call("one.image.clone", base, cloneName)).intValue();
        XmlNode during = image(copy);
        assertThat(during.integer("CLONING_ID", -2)).isIn(base, -1);
        XmlNode done = awaitImage(copy, 1);
        assertThat(done.text("NAME")).isEqualTo(cloneName);
        assertThat(done.integer("PERSISTENT", -1)).isEqualTo(1);
        assertThat(done.integer("CLONING_ID", -2)).isEqualTo(-1);
        assertThat(done.text("PATH")).isEqualTo(image(base).text("SOURCE"));
        assertThat(sha256(Files.readAllBytes(Path.of(done.text("SOURCE"))))).isEqualTo(sha256(Files.readAllBytes(src)));
        await().atMost(WAIT).until(() -> image(base).integer("STATE", -1) == 1);
        assertThat(image(base).integer("CLONING_OPS", -1)).isZero();

        fails(admin.call("one.image.clone", base, cloneName), ALLOCATE, "NAME is already taken by IMAGE " + copy);
        fails(admin.call("one.image.clone", base, unique("x"), 0), ACTION, "Clone only supported for IMAGE_DS Datastores");
        fails(admin.call("one.image.clone", base, unique("x"), dummyDs), ACTION,
                "Clone only supported to same DS_MAD Datastores");
        fails(admin.call("one.image.clone", 99999, unique("x")), NO_EXISTS, "Error getting image [99999]");
        ok(admin.call("one.image.delete", copy));
        ok(admin.call("one.image.delete", base));
        awaitGone(copy);
        awaitGone(base);
    }

    // ------------------------------------------------------------------ crash recovery (last: restarts the daemon)

    @Test
    @Order(Integer.MAX_VALUE)
    void imagesLockedByACrashAreFailedAndDeletesResume() throws Exception {
        int slowDs = ok(admin.call("one.datastore.allocate", "NAME=" + unique("slow") + "\nDS_MAD=dummy\n"
                + "TM_MAD=dummy\nDUMMY_DELAY_MS=60000", -1)).intValue();
        int ready = dummyImage(admin, "");
        awaitImage(ready, 1);
        int stuck = ok(admin.call("one.image.allocate", "NAME=" + unique("stuck") + "\nTYPE=DATABLOCK\nSIZE=1", slowDs,
                true)).intValue();
        // a delete still running in the driver when the daemon dies
        ok(admin.call("one.datastore.update", dummyDs, "DUMMY_DELAY_MS=2000", 1));
        ok(admin.call("one.image.delete", ready));
        assertThat(image(ready).integer("STATE", -1)).isEqualTo(7);
        assertThat(image(stuck).integer("STATE", -1)).isEqualTo(4);

        nimbod.kill();
        nimbod.restart();
        admin = nimbod.client();
        XmlNode failed = image(stuck);
        assertThat(failed.integer("STATE", -1)).isEqualTo(5);
        assertThat(failed.child("TEMPLATE").text("ERROR")).contains("interrupted by a restart of nimbod");
        awaitGone(ready); // the delete was issued again at start
        ok(admin.call("one.image.delete", stuck));
        awaitGone(stuck);
        ok(admin.call("one.datastore.delete", slowDs));
    }
}
