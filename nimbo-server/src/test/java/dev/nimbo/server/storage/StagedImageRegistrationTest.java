package dev.nimbo.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Authorizer;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.drivers.ds.StagedImages;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.bootstrap.Bootstrap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk saved from a host (disk save-as) waits as a staged file; registering its image copies it into the image
 * datastore (outside SAFE_DIRS: it is Nimbo's own file) and the staged file goes, whether the copy worked or not.
 */
class StagedImageRegistrationTest {
    static final int FS = 100;
    static final int DUMMY = 101;

    @TempDir
    Path dir;

    Controller controller;
    ApiContext ctx;

    @BeforeEach
    void start() {
        ObjectTable published = new ObjectTable();
        controller = new Controller(new ImageSnapshotFlowTest.NoStore(), published, Clock.systemUTC());
        controller.start();
        controller.execute(tx -> {
            Bootstrap.create(tx, "oneadmin", "x", "y", "http://localhost:2633/RPC2", 0, dir.toString());
            tx.reserveIdsUpTo(ObjectType.DATASTORE, FS - 1);
            tx.put(new Datastore(tx.nextId(ObjectType.DATASTORE), "images", 0, 0, "oneadmin", "oneadmin",
                    new Permissions(0640), "fs", "ssh", dir.resolve("100").toString(), Datastore.IMAGE_DS, 0, 0,
                    Set.of(0), 1000, 1000, 0, Set.of(), Template.parse("SAFE_DIRS=\"/nowhere\"")));
            tx.put(new Datastore(tx.nextId(ObjectType.DATASTORE), "dummy", 0, 0, "oneadmin", "oneadmin",
                    new Permissions(0640), "dummy", "dummy", dir.resolve("101").toString(), Datastore.IMAGE_DS, 0, 0,
                    Set.of(0), 1000, 1000, 0, Set.of(), Template.parse("DUMMY_DELAY_MS=10")));
            return null;
        });
        @SuppressWarnings("unchecked")
        Authorizer authorizer = new Authorizer(() -> (Collection<AclRule>) (Collection<?>) published.list(ObjectType.ACL), 0);
        ctx = new ApiContext(ServerConfig.defaults(dir), controller, published, authorizer, new PasswordHasher(1000),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        StorageManager.stop(controller);
        controller.close();
    }

    /** A LOCKED image with no PATH, as disk save-as allocates it, and its staged file. */
    int savedImage(int ds, byte[] content) throws Exception {
        int id = controller.execute(tx -> {
            int n = tx.nextId(ObjectType.IMAGE);
            tx.put(Image.builder(n, "saved" + n).owner(0, "oneadmin", 0, "oneadmin").imageType(ImageType.DATABLOCK)
                    .sizeMb(4).datastore(ds, "x").format("raw").state(ImageState.LOCKED).build());
            return n;
        });
        Path staged = StagedImages.of(dir, id);
        Files.createDirectories(staged.getParent());
        Files.write(staged, content);
        return id;
    }

    Image image(int id) {
        return (Image) ctx.view().get(ObjectType.IMAGE, id);
    }

    @Test
    void theStagedFileBecomesTheImageAndGoes() throws Exception {
        StorageManager storage = StorageManager.start(ctx);
        byte[] qcow2 = new byte[4096];
        System.arraycopy(new byte[] {'Q', 'F', 'I', (byte) 0xfb}, 0, qcow2, 0, 4); // qcow2 magic
        int id = savedImage(FS, qcow2);
        storage.register(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> image(id).state() == ImageState.READY);
        Path source = Path.of(image(id).source());
        assertThat(source).startsWith(dir.resolve("100"));
        assertThat(Files.readAllBytes(source)).isEqualTo(qcow2);
        assertThat(image(id).format()).isEqualTo("qcow2");
        assertThat(StagedImages.of(dir, id)).doesNotExist();
    }

    @Test
    void aFailedCopyLeavesTheImageInErrorAndNothingStaged() throws Exception {
        StorageManager storage = StorageManager.start(ctx);
        int id = savedImage(DUMMY, new byte[16]);
        storage.register(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> image(id).state() == ImageState.ERROR);
        assertThat(image(id).template().get("ERROR")).contains("Error copying the saved disk in the datastore")
                .contains("cannot store a file saved from a host");
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(StagedImages.of(dir, id)));
    }

    @Test
    void aStagedFileNobodyWillRegisterIsDropped() throws Exception {
        int pending = savedImage(FS, new byte[16]);
        StorageManager storage = StorageManager.start(ctx); // a restart: the image fails, its file goes
        assertThat(image(pending).state()).isEqualTo(ImageState.ERROR);
        assertThat(StagedImages.of(dir, pending)).doesNotExist();

        int superseded = savedImage(FS, new byte[16]);
        storage.dropStaged(superseded);
        assertThat(StagedImages.of(dir, superseded)).doesNotExist();
        assertThat(image(superseded).state()).isEqualTo(ImageState.LOCKED);
    }
}
