package dev.nimbo.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Authorizer;
import dev.nimbo.core.auth.Subject;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageSnapshots;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.quota.QuotaKind;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.state.Store;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.core.user.User;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Params;
import dev.nimbo.server.api.image.ImageMethods;
import dev.nimbo.server.bootstrap.Bootstrap;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot operations and restart recovery through the real API methods, controller and storage manager, in
 * process: images get snapshots only from VMs (not yet there), so this test gives them some directly.
 */
class ImageSnapshotFlowTest {
    static final int DS = 100;
    static final int OWNER = 0;

    @TempDir
    Path dir;

    Controller controller;
    ApiContext ctx;
    ApiRegistry api = new ApiRegistry();
    StorageManager storage;

    /** Keeps nothing: the pools live in the controller's tables for the test's duration. */
    static final class NoStore implements Store {
        @Override
        public Snapshot load() {
            return new Snapshot(List.of(), Map.of());
        }

        @Override
        public void commit(List<Record> records) {
        }

        @Override
        public String describe() {
            return "none";
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void start() {
        ObjectTable published = new ObjectTable();
        controller = new Controller(new NoStore(), published, Clock.systemUTC());
        controller.start();
        controller.execute(tx -> {
            Bootstrap.create(tx, "oneadmin", "x", "y", "http://localhost:2633/RPC2", 0, dir.toString());
            tx.reserveIdsUpTo(ObjectType.DATASTORE, DS - 1);
            tx.put(new Datastore(tx.nextId(ObjectType.DATASTORE), "dummy", 0, 0, "oneadmin", "oneadmin",
                    new Permissions(0640), "dummy", "dummy", dir.resolve("100").toString(), Datastore.IMAGE_DS, 0, 0,
                    Set.of(0), 1000, 1000, 0, Set.of(), Template.parse("DUMMY_DELAY_MS=10")));
            return null;
        });
        @SuppressWarnings("unchecked")
        Authorizer authorizer = new Authorizer(() -> (Collection<AclRule>) (Collection<?>) published.list(ObjectType.ACL), 0);
        ctx = new ApiContext(ServerConfig.defaults(dir), controller, published, authorizer, new PasswordHasher(1000),
                Clock.systemUTC());
        ImageMethods.register(api);
    }

    @AfterEach
    void stop() {
        StorageManager.stop(controller);
        controller.close();
    }

    Object call(String method, Object... params) {
        Subject admin = new Subject(0, 0, Set.of(0), "oneadmin", "oneadmin");
        return api.find(method).invoke(new Call(method, admin, new Params(method, List.of(params)), ctx));
    }

    Image image(int id) {
        return (Image) ctx.view().get(ObjectType.IMAGE, id);
    }

    /** A READY image with three snapshots (0 ← 1 ← 2, 2 active), its quota charged as a VM would leave it. */
    int imageWithSnapshots(String datastoreTemplate) {
        return controller.execute(tx -> {
            Datastore ds = tx.require(ObjectType.DATASTORE, DS);
            tx.put(ds.withTemplate(Template.parse(datastoreTemplate)));
            int id = tx.nextId(ObjectType.IMAGE);
            ImageSnapshots snaps = ImageSnapshots.EMPTY.create("a", 10, 1).create("b", 20, 2).create("c", 30, 3);
            Image img = Image.builder(id, "img" + id).owner(OWNER, "oneadmin", 0, "oneadmin").imageType(ImageType.OS)
                    .persistent(true).sizeMb(100).datastore(DS, "dummy").source(dir + "/100/x" + id).format("raw")
                    .snapshots(snaps).state(ImageState.READY).build();
            tx.put(img);
            tx.put(tx.<Datastore>require(ObjectType.DATASTORE, DS).withImage(id));
            ImageQuotas.chargeUnchecked(tx, OWNER, 0, ImageQuotas.of(img));
            return id;
        });
    }

    double sizeUsed() {
        User u = (User) ctx.view().get(ObjectType.USER, OWNER);
        var e = u.quotas().entry(QuotaKind.DATASTORE, DS);
        return e == null ? 0 : e.used("SIZE");
    }

    void awaitState(int id, ImageState s) {
        await().atMost(Duration.ofSeconds(10)).until(() -> image(id).state() == s);
    }

    @Test
    void deleteRevertAndFlattenSnapshots() {
        storage = StorageManager.start(ctx);
        int id = imageWithSnapshots("DUMMY_DELAY_MS=100");
        assertThat(sizeUsed()).isEqualTo(160);

        assertThat(call("one.image.snapshotrevert", id, 0)).isEqualTo(id);
        assertThat(image(id).state()).isEqualTo(ImageState.LOCKED);
        assertThat(image(id).targetSnapshot()).isZero();
        awaitState(id, ImageState.READY);
        Image reverted = image(id);
        assertThat(reverted.snapshots().active()).isZero();
        assertThat(reverted.sizeMb()).isEqualTo(10); // the disk is now the 10 MB snapshot
        assertThat(reverted.targetSnapshot()).isEqualTo(-1);
        assertThat(sizeUsed()).isEqualTo(70);

        call("one.image.snapshotdelete", id, 2);
        awaitState(id, ImageState.READY);
        assertThat(image(id).snapshots().exists(2)).isFalse();
        assertThat(image(id).snapshots().get(1).children()).isEmpty();
        assertThat(sizeUsed()).isEqualTo(40);

        call("one.image.snapshotflatten", id, 1);
        awaitState(id, ImageState.READY);
        assertThat(image(id).snapshots().isEmpty()).isTrue();
        assertThat(sizeUsed()).isEqualTo(10);
    }

    @Test
    void aFailedSnapshotOperationUnlocksWithTheReason() {
        storage = StorageManager.start(ctx);
        int id = imageWithSnapshots("DUMMY_DELAY_MS=10\nDUMMY_FAIL=snap_flatten");
        call("one.image.snapshotflatten", id, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> image(id).state() == ImageState.READY
                && image(id).template().get("ERROR") != null);
        assertThat(image(id).template().get("ERROR")).contains("Error flattening image snapshot: dummy driver");
        assertThat(image(id).snapshots().size()).isEqualTo(3);
        assertThat(sizeUsed()).isEqualTo(160);
    }

    @Test
    void restartFailsLockedImagesAndReleasesCloneSources() {
        int src = imageWithSnapshots("DUMMY_DELAY_MS=10");
        int copy = controller.execute(tx -> {
            Image source = tx.require(ObjectType.IMAGE, src);
            source = source.toBuilder().snapshots(ImageSnapshots.EMPTY).build();
            int id = tx.nextId(ObjectType.IMAGE);
            tx.put(Images.beginClone(source, id));
            tx.put(Image.builder(id, "copy").owner(OWNER, "oneadmin", 0, "oneadmin").datastore(DS, "dummy")
                    .cloningId(src).state(ImageState.LOCKED).build());
            ImageQuotas.chargeUnchecked(tx, OWNER, 0, Usage.datastore(DS, 1, 0));
            return id;
        });
        assertThat(image(src).state()).isEqualTo(ImageState.CLONE);
        storage = StorageManager.start(ctx); // what a daemon start does
        assertThat(image(copy).state()).isEqualTo(ImageState.ERROR);
        assertThat(image(copy).cloningId()).isEqualTo(-1);
        assertThat(image(copy).template().get("ERROR")).contains(StorageManager.RESTART_MESSAGE);
        assertThat(image(src).state()).isEqualTo(ImageState.READY);
        assertThat(image(src).clones()).isEmpty();
    }
}
