package dev.nimbo.drivers.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.drivers.agent.Frame;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk save-as (CPDS) on the front-end's side, against a scripted agent: the copy lands staged or not at all. */
class KvmTmSaveasTest {
    @TempDir
    Path dir;

    /** An agent whose copy is {@code content} (announced as {@code size} bytes); the op named by failing fails. */
    static final class Agent implements AgentLink {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<Map<String, String>> attrs = new CopyOnWriteArrayList<>();
        final byte[] content;
        final long size;
        final String failing;
        /** The SHA-256 the host announces. */
        String sha;

        Agent(String content, long size, String failing) {
            this.content = content.getBytes(StandardCharsets.US_ASCII);
            this.size = size;
            this.failing = failing;
            this.sha = sha(this.content);
        }

        static String sha(byte[] b) {
            try {
                return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public CompletableFuture<Frame> request(int hostId, String op, Map<String, String> a, byte[] body) {
            String call = op + (a.containsKey("action") ? " " + a.get("action") : "");
            calls.add(call);
            attrs.add(Map.copyOf(a));
            Frame req = new Frame(1, Frame.REQUEST, a, body);
            if (call.equals(failing)) {
                return CompletableFuture.completedFuture(req.failed("no space left on device"));
            }
            return CompletableFuture.completedFuture(switch (call) {
                case Ops.DISK_SAVEAS + " copy" -> req.ok(Map.of("path", "datastores/0/7/disk.1.saveas",
                        "size", Long.toString(size), "sha256", sha), null);
                // (the copy as the host has it: the download asks its size first, then reads it in chunks)
                case Ops.FILE_STAT -> req.ok(Map.of("complete", "yes", "size", Integer.toString(content.length)), null);
                case Ops.FILE_READ -> req.ok(Map.of("eof", "yes"), content);
                default -> req.ok(Map.of(), null);
            });
        }

        @Override
        public boolean connected(int hostId) {
            return true;
        }
    }

    static DriverRequest cpds(int snapshot) {
        VirtualMachine vm = VirtualMachine.builder(7, "vm", VmState.ACTIVE)
                .vmTemplate(Template.parse("DISK = [ DISK_ID = 0, IMAGE_ID = 1 ]\nDISK = [ DISK_ID = 1, IMAGE_ID = 2,"
                        + " HOTPLUG_SAVE_AS = 42, HOTPLUG_SAVE_AS_ACTIVE = YES, HOTPLUG_SAVE_AS_SNAPSHOT_ID = "
                        + snapshot + " ]"))
                .build();
        return new DriverRequest(DriverOp.CPDS, vm, 3, "host", null, 0, null);
    }

    KvmTm tm(Agent agent) {
        return new KvmTm(agent, id -> null, id -> null, java.time.Duration.ofSeconds(1), h -> List.of(),
                id -> dir.resolve("staged/image-" + id));
    }

    @Test
    void theHostsCopyOfTheMarkedDiskIsStagedAndDropped() throws Exception {
        Agent agent = new Agent("qcow2-bytes", 11, null);
        assertThat(tm(agent).execute(cpds(-1)).get()).isEqualTo(DriverResult.OK);
        assertThat(Files.readString(dir.resolve("staged/image-42"))).isEqualTo("qcow2-bytes");
        assertThat(agent.calls).containsExactly("disk.saveas copy", "file.stat", "file.read", "disk.saveas drop");
        assertThat(agent.attrs.get(0)).containsEntry("disk_id", "1").containsEntry("vm_id", "7")
                .doesNotContainKey("snapshot");
        assertThat(agent.attrs.get(2)).containsEntry("path", "datastores/0/7/disk.1.saveas");

        Agent snap = new Agent("snap", 4, null);
        tm(snap).execute(cpds(2)).get();
        assertThat(snap.attrs.get(0)).containsEntry("snapshot", "snap-2"); // the internal snapshot's name
    }

    @Test
    void aFailedOrShortCopyStagesNothingAndTheHostsCopyGoes() throws Exception {
        Agent corrupt = new Agent("bytes", 5, null);
        corrupt.sha = Agent.sha("other".getBytes(StandardCharsets.US_ASCII));
        for (Agent agent : List.of(new Agent("x", 1, "file.read"), new Agent("short", 9, null), corrupt,
                new Agent("x", 1, "disk.saveas copy"))) {
            assertThatThrownBy(() -> tm(agent).execute(cpds(-1)).get()).hasMessageContaining("save-as of disk 1");
            assertThat(agent.calls).endsWith("disk.saveas drop");
            try (Stream<Path> s = Files.exists(dir.resolve("staged")) ? Files.list(dir.resolve("staged")) : Stream.of()) {
                assertThat(s.toList()).isEmpty();
            }
        }
    }
}
