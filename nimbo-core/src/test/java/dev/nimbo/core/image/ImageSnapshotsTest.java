package dev.nimbo.core.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The snapshot tree of images: creation chains, delete rules and relinking, revert, flatten. */
class ImageSnapshotsTest {

    @Test
    void createChainsUnderTheActiveSnapshot() {
        ImageSnapshots s = ImageSnapshots.EMPTY.create("a", 10, 1).create("b", 20, 2).create("c", 30, 3);
        assertThat(s.active()).isEqualTo(2);
        assertThat(s.get(0).children()).containsExactly(1);
        assertThat(s.get(1).parent()).isZero();
        assertThat(s.get(2).parent()).isEqualTo(1);
        assertThat(s.totalSizeMb()).isEqualTo(60);
        assertThat(s.nextSnapshot()).isEqualTo(3);
    }

    @Test
    void deleteRules() {
        ImageSnapshots s = ImageSnapshots.EMPTY.create("a", 10, 1).create("b", 20, 2);
        assertThat(s.deleteRefusal(5)).isEqualTo("Snapshot does not exist");
        assertThat(s.deleteRefusal(1)).isEqualTo("Cannot delete the active snapshot");
        assertThat(s.deleteRefusal(0)).isEqualTo("Cannot delete snapshot with children");
        ImageSnapshots reverted = s.revert(0);
        assertThat(reverted.active()).isZero();
        assertThat(reverted.deleteRefusal(1)).isNull();
        ImageSnapshots after = reverted.delete(1);
        assertThat(after.size()).isEqualTo(1);
        assertThat(after.get(0).children()).isEmpty();
        assertThat(after.get(0).active()).isTrue();
    }

    @Test
    void deletingAMiddleSnapshotMovesItsChildUp() {
        ImageSnapshots s = new ImageSnapshots("YES", -1, 0, java.util.List.of()).create("a", 1, 1).create("b", 1, 2);
        assertThat(s.deleteRefusal(1)).isNull(); // orphans allowed: even the active one
        ImageSnapshots deny = ImageSnapshots.EMPTY.create("a", 1, 1).create("b", 1, 2).create("c", 1, 3).revert(0);
        // 0 -> 1 -> 2, active 0: deleting 1 is refused (has a child); the chain relinks when allowed
        assertThat(deny.deleteRefusal(1)).isEqualTo("Cannot delete snapshot with children");
        ImageSnapshots relinked = deny.delete(1);
        assertThat(relinked.get(2).parent()).isZero();
        assertThat(relinked.get(0).children()).containsExactly(2);
    }

    @Test
    void flattenClearsAndXmlRoundTrips() {
        ImageSnapshots s = ImageSnapshots.EMPTY.create("a", 10, 1);
        assertThat(s.cleared().isEmpty()).isTrue();
        String xml;
        dev.nimbo.core.xml.XmlWriter w = new dev.nimbo.core.xml.XmlWriter();
        s.writeXml(w);
        xml = w.toString();
        assertThat(xml).startsWith("<SNAPSHOTS><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS><CURRENT_BASE><![CDATA[-1]]>"
                + "</CURRENT_BASE><NEXT_SNAPSHOT><![CDATA[1]]></NEXT_SNAPSHOT><SNAPSHOT><ACTIVE><![CDATA[YES]]></ACTIVE>");
        assertThat(ImageSnapshots.fromXml(dev.nimbo.core.xml.XmlNode.parse(xml))).isEqualTo(s);
    }
}
