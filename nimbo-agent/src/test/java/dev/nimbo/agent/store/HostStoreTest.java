package dev.nimbo.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.agent.libvirt.Virsh;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostStoreTest {
    @TempDir
    Path dir;

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void receivesInChunksResumesAndVerifies() throws Exception {
        HostStore s = new HostStore(dir);
        byte[] data = "0123456789abcdef".repeat(100).getBytes(StandardCharsets.UTF_8);
        String sum = sha(data);
        s.write("cache/k1", 0, Arrays.copyOfRange(data, 0, 600), false, null, 0);
        // the connection dropped: the partial file says where to go on
        assertThat(s.stat("cache/k1")).isEqualTo(new HostStore.Stat(false, 0, 600));
        assertThatThrownBy(() -> s.write("cache/k1", 1000, new byte[1], false, null, 0))
                .hasMessageContaining("has 600 bytes");
        s.write("cache/k1", 600, Arrays.copyOfRange(data, 600, data.length), true, sum, data.length);
        assertThat(s.stat("cache/k1")).isEqualTo(new HostStore.Stat(true, data.length, 0));
        assertThat(Files.readAllBytes(dir.resolve("cache/k1"))).isEqualTo(data);
        HostStore.Chunk c = s.read("cache/k1", 1500, 4096);
        assertThat(c.eof()).isTrue();
        assertThat(c.data()).hasSize(100);
    }

    @Test
    void aCorruptTransferIsRefusedAndDropped() throws Exception {
        HostStore s = new HostStore(dir);
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> s.write("cache/k2", 0, data, true, sha("other".getBytes()), 5))
                .hasMessageContaining("corrupt");
        assertThat(s.stat("cache/k2")).isEqualTo(new HostStore.Stat(false, 0, 0));
    }

    @Test
    void pathsStayInsideTheDataDirectory() {
        HostStore s = new HostStore(dir);
        assertThatThrownBy(() -> s.stat("../etc/passwd")).hasMessageContaining("outside");
        assertThatThrownBy(() -> s.write("/etc/x", 0, new byte[0], false, null, 0)).hasMessageContaining("outside");
        assertThatThrownBy(() -> s.prepareFile(0, 1, "../../x", "0123456789abcdef"))
                .hasMessageContaining("unknown VM file");
        assertThatThrownBy(() -> s.prepareDisk(0, 1, 0, "../x", true, false, "raw", 0))
                .hasMessageContaining("bad cache key");
    }

    @Test
    void disksFromTheCacheAndCleanUp() throws Exception {
        HostStore s = new HostStore(dir);
        byte[] img = new byte[4096];
        s.write("cache/0123456789abcdef", 0, img, true, sha(img), img.length);
        s.prepareDisk(0, 9, 0, "0123456789abcdef", false, false, "raw", 0); // persistent: a copy
        s.prepareDisk(0, 9, 1, "0123456789abcdef", false, true, "raw", 0); // CD-ROM: the cached file itself
        s.prepareFile(0, 9, "kernel", "0123456789abcdef");
        assertThat(Files.readAllBytes(s.vmDir(0, 9).resolve("disk.0"))).isEqualTo(img);
        assertThat(s.diskFormat(0, 9, 0)).isEqualTo("raw");
        assertThat(Files.exists(s.vmDir(0, 9).resolve("kernel"))).isTrue();
        assertThatThrownBy(() -> s.prepareDisk(0, 9, 2, "0123456789abcdef", false, false, "vmdk", 0))
                .hasMessageContaining("format 'vmdk'");
        s.cleanVm(0, 9);
        assertThat(Files.exists(s.vmDir(0, 9))).isFalse();
        assertThat(Files.exists(dir.resolve("cache/0123456789abcdef"))).isTrue(); // the cache stays
    }

    @Test
    void aSavedDiskIsAStandaloneCopyOfTheDiskOrOfOneOfItsSnapshots() throws Exception {
        HostStore s = new HostStore(dir);
        byte[] img = new byte[1 << 20];
        byte[] base = "base-bytes".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(base, 0, img, 0, base.length);
        s.write("cache/0123456789abcdef", 0, img, true, sha(img), img.length);
        s.prepareDisk(0, 9, 0, "0123456789abcdef", true, false, "raw", 0); // a qcow2 clone backed by the cache
        s.diskSnapshot(0, 9, 0, "create", "snap-0");
        Path disk = s.vmDir(0, 9).resolve("disk.0");
        Virsh.exec(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0x41 0 512", disk.toString()), 30);

        HostStore.SavedCopy now = s.saveasCopy(0, 9, 0, null);
        assertThat(now.path()).isEqualTo("datastores/0/9/disk.0.saveas");
        Path copy = dir.resolve(now.path());
        assertThat(now.size()).isEqualTo(Files.size(copy));
        assertThat(now.sha256()).isEqualTo(sha(Files.readAllBytes(copy)));
        String info = Virsh.exec(List.of("qemu-img", "info", copy.toString()), 30);
        assertThat(info).contains("file format: qcow2").doesNotContain("backing file"); // the chain flattened
        assertThat(firstBytes(copy, 4)).isEqualTo("AAAA");

        s.saveasCopy(0, 9, 0, "snap-0"); // the disk as the snapshot has it
        assertThat(firstBytes(copy, base.length)).isEqualTo("base-bytes");
        assertThatThrownBy(() -> s.saveasCopy(0, 9, 0, "snap-7")).isInstanceOf(RuntimeException.class);
        assertThat(copy).doesNotExist(); // a failed copy leaves nothing
        assertThatThrownBy(() -> s.saveasCopy(0, 9, 3, null)).hasMessageContaining("not on this host");

        s.saveasCopy(0, 9, 0, null);
        s.dropSaveasCopy(0, 9, 0);
        s.dropSaveasCopy(0, 9, 0); // gone already is fine
        assertThat(copy).doesNotExist();
        assertThat(disk).exists();
    }

    /** The first bytes of a qcow2 file's content. */
    private String firstBytes(Path qcow2, int n) throws Exception {
        Path raw = dir.resolve("check.raw");
        Virsh.exec(List.of("qemu-img", "convert", "-O", "raw", qcow2.toString(), raw.toString()), 30);
        return new String(Files.readAllBytes(raw), 0, n, StandardCharsets.US_ASCII);
    }
}
