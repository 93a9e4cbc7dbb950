package dev.nimbo.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The image state machine: VM attach/detach bookkeeping, driver results, enable, clones, delete checks. */
class ImagesTest {

    static Image image(ImageState state, boolean persistent) {
        return Image.builder(7, "disk").owner(3, "alice", 1, "users").imageType(ImageType.OS).persistent(persistent)
                .sizeMb(100).datastore(1, "default").source("/ds/1/abc").format("raw").state(state).build();
    }

    @Test
    void stateNumbersAreOpenNebulas() {
        assertThat(ImageState.values()).extracting(ImageState::code)
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(ImageState.USED_PERS.text()).isEqualTo("USED");
        assertThat(ImageState.LOCKED_USED_PERS.text()).isEqualTo("LOCKED_USED");
        assertThat(ImageType.values()).extracting(ImageType::code).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void attachAndDetachCountRunningVms() {
        Image ready = image(ImageState.READY, false);
        Image one = Images.attach(ready, 10);
        assertThat(one.state()).isEqualTo(ImageState.USED);
        assertThat(one.runningVms()).isEqualTo(1);
        Image two = Images.attach(one, 11);
        assertThat(two.state()).isEqualTo(ImageState.USED);
        assertThat(two.vms()).containsExactly(10, 11);
        Image back = Images.detach(Images.detach(two, 10, 5), 11, 6);
        assertThat(back.state()).isEqualTo(ImageState.READY);
        assertThat(back.runningVms()).isZero();
        assertThat(back.toXml()).contains("<RUNNING_VMS>0</RUNNING_VMS>").contains("<VMS></VMS>");
    }

    @Test
    void persistentImagesAreExclusiveUnlessShareable() {
        Image used = Images.attach(image(ImageState.READY, true), 10);
        assertThat(used.state()).isEqualTo(ImageState.USED_PERS);
        assertThatThrownBy(() -> Images.attach(used, 11)).isInstanceOf(ApiException.class)
                .hasMessage("Cannot acquire image 7, it is persistent and already in use");
        Image shareable = used.withTemplate(Template.EMPTY.with("PERSISTENT_TYPE", "shareable"));
        assertThat(Images.attach(shareable, 11).vms()).containsExactly(10, 11);
        Image released = Images.detach(used, 10, 99);
        assertThat(released.state()).isEqualTo(ImageState.READY);
        assertThat(released.modtime()).isEqualTo(99);
        assertThat(Images.detachFailed(used, 10, 99).state()).isEqualTo(ImageState.ERROR);
    }

    @Test
    void lockedImagesWaitAtBootButRefuseHotplug() {
        Image locked = image(ImageState.LOCKED, false);
        Image waiting = Images.attach(locked, 10);
        assertThat(waiting.state()).isEqualTo(ImageState.LOCKED_USED);
        assertThat(Images.attach(image(ImageState.LOCKED, true), 10).state()).isEqualTo(ImageState.LOCKED_USED_PERS);
        assertThatThrownBy(() -> Images.attachHotplug(locked, 10)).hasMessage("Cannot acquire image 7, it is locked");
        assertThat(Images.unlock(waiting).state()).isEqualTo(ImageState.USED);
        assertThat(Images.detach(waiting, 10, 1).state()).isEqualTo(ImageState.LOCKED);
    }

    @Test
    void unusableStatesAndTypesAreRefused() {
        for (ImageState s : List.of(ImageState.INIT, ImageState.DISABLED, ImageState.ERROR, ImageState.DELETE,
                ImageState.CLONE)) {
            assertThatThrownBy(() -> Images.attach(image(s, false), 1))
                    .hasMessage("Cannot acquire image 7, it is in state: " + s.text());
        }
        Image kernel = image(ImageState.READY, false).toBuilder().imageType(ImageType.KERNEL).build();
        assertThatThrownBy(() -> Images.attach(kernel, 1)).satisfies(e ->
                assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.ACTION))
                .hasMessage("Image 7 (disk) of type KERNEL cannot be used as DISK.");
    }

    @Test
    void driverResults() {
        Image locked = image(ImageState.LOCKED, false);
        assertThat(Images.unlock(locked).state()).isEqualTo(ImageState.READY);
        assertThat(Images.unlock(locked).prevState()).isEqualTo(ImageState.LOCKED);
        Image failed = Images.fail(locked, "Error copying image in the datastore: boom", 0);
        assertThat(failed.state()).isEqualTo(ImageState.ERROR);
        assertThat(failed.template().get("ERROR")).endsWith(" : Error copying image in the datastore: boom");
        assertThat(Images.unlock(failed).state()).isEqualTo(ImageState.READY);
        assertThat(Images.unlock(Images.attach(image(ImageState.READY, true), 1).toBuilder()
                .state(ImageState.ERROR).build()).state()).isEqualTo(ImageState.USED_PERS);
    }

    @Test
    void enableAndDisable() {
        assertThat(Images.enable(image(ImageState.DISABLED, false), true).state()).isEqualTo(ImageState.READY);
        assertThat(Images.enable(image(ImageState.ERROR, false), true).state()).isEqualTo(ImageState.READY);
        assertThat(Images.enable(image(ImageState.READY, false), false).state()).isEqualTo(ImageState.DISABLED);
        assertThat(Images.enable(image(ImageState.ERROR, false), false).state()).isEqualTo(ImageState.DISABLED);
        assertThatThrownBy(() -> Images.enable(image(ImageState.USED, false), false))
                .hasMessage("Image cannot be in state USED.");
        assertThatThrownBy(() -> Images.enable(image(ImageState.LOCKED, false), true))
                .hasMessage("Image cannot be in state LOCKED.");
    }

    @Test
    void cloneSourceBookkeeping() {
        Image src = image(ImageState.READY, false);
        Image serving = Images.beginClone(src, 20);
        assertThat(serving.state()).isEqualTo(ImageState.USED);
        assertThat(serving.cloningOps()).isEqualTo(1);
        Image twice = Images.beginClone(serving, 21);
        assertThat(twice.clones()).containsExactly(20, 21);
        assertThat(Images.endClone(twice, 20).state()).isEqualTo(ImageState.USED);
        assertThat(Images.endClone(Images.endClone(twice, 20), 21).state()).isEqualTo(ImageState.READY);
        assertThat(Images.beginClone(image(ImageState.READY, true), 20).state()).isEqualTo(ImageState.CLONE);
        assertThatThrownBy(() -> Images.beginClone(image(ImageState.LOCKED, false), 20))
                .hasMessage("Cannot clone image in state: LOCKED");
        // a VM still using the source keeps it USED after the clone ends
        Image usedByVm = Images.attach(serving, 5);
        assertThat(Images.endClone(usedByVm, 20).state()).isEqualTo(ImageState.USED);
    }

    @Test
    void deleteAndPersistentChecks() {
        assertThat(Images.deleteRefusal(image(ImageState.READY, false))).isNull();
        assertThat(Images.deleteRefusal(Images.attach(image(ImageState.READY, false), 3)))
                .isEqualTo("There are 1 VMs using it.");
        assertThat(Images.deleteRefusal(Images.beginClone(image(ImageState.READY, true), 9)))
                .isEqualTo("There are 1 active clone operations.");
        assertThat(Images.deleteRefusal(image(ImageState.ERROR, false))).isNull();
        assertThat(Images.persistentRefusal(image(ImageState.USED, false), true))
                .isEqualTo("Image cannot be in state USED.");
        Image withSnap = image(ImageState.READY, true).toBuilder()
                .snapshots(ImageSnapshots.EMPTY.create("s", 10, 1)).build();
        assertThat(Images.persistentRefusal(withSnap, false)).isEqualTo("Image has snapshots.");
    }

    @Test
    void vmSnapshotsReachOnlyPersistentImagesInUse() {
        ImageSnapshots s = ImageSnapshots.EMPTY.create("a", 5, 1);
        assertThat(Images.withVmSnapshots(image(ImageState.READY, true), s).snapshots().isEmpty()).isTrue();
        Image inUse = Images.attach(image(ImageState.READY, true), 1);
        assertThat(Images.withVmSnapshots(inUse, s).snapshots().size()).isEqualTo(1);
        assertThat(Images.withVmDiskSize(inUse, 300).sizeMb()).isEqualTo(300);
    }

    @Test
    void xmlRoundTripFollowsTheXsdOrder() {
        ImageSnapshots snaps = ImageSnapshots.EMPTY.create("first", 10, 100).create("", 20, 200);
        Image img = image(ImageState.USED, true).toBuilder().vms(java.util.Set.of(4, 2)).clones(java.util.Set.of(9))
                .template(Template.EMPTY.with("DEV_PREFIX", "sd").with("DESCRIPTION", "a <b>"))
                .snapshots(snaps).regtime(1).modtime(2).build();
        String xml = img.toXml();
        List<String> order = XmlNode.parse(xml).children().stream().map(XmlNode::name).toList();
        assertThat(order).containsExactly("ID", "UID", "GID", "UNAME", "GNAME", "NAME", "PERMISSIONS", "TYPE",
                "DISK_TYPE", "PERSISTENT", "REGTIME", "MODTIME", "SOURCE", "PATH", "FORMAT", "FS", "SIZE", "STATE",
                "PREV_STATE", "RUNNING_VMS", "CLONING_OPS", "CLONING_ID", "TARGET_SNAPSHOT", "DATASTORE_ID",
                "DATASTORE", "VMS", "CLONES", "APP_CLONES", "TEMPLATE", "SNAPSHOTS", "BACKUP_INCREMENTS",
                "BACKUP_DISK_IDS");
        assertThat(xml).contains("<RUNNING_VMS>2</RUNNING_VMS><CLONING_OPS>1</CLONING_OPS>")
                .contains("<SNAPSHOT><CHILDREN><![CDATA[1]]></CHILDREN><DATE><![CDATA[100]]></DATE>");
        Image back = Image.fromXml(XmlNode.parse(xml));
        assertThat(back).isEqualTo(img);
        assertThat(back.toXml()).isEqualTo(xml);
    }
}
