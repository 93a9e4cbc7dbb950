package dev.nimbo.server.agent;

import dev.nimbo.agent.AgentHandler;
import dev.nimbo.agent.NimboAgent;
import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.link.AgentConnection;
import dev.nimbo.agent.store.HostStore;
import dev.nimbo.drivers.agent.Frame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * A host's agent in the test's JVM, as {@code bin/nimbo-agent} runs it: its connection to the front-end on a
 * virtual thread (heartbeat 2 s, monitoring sampled every second while cut off), its handler with a host store in
 * {@code data} and the libvirt driver the test gives it. Closing ends the connection and the handler.
 */
public final class InProcessAgent implements AutoCloseable {
    public final AgentConnection connection;
    public final AgentHandler handler;
    private final Thread thread;

    /**
     * @param vmm       the libvirt driver over the host's store (a namespaced host's libvirtd, its network
     *                  namespace...), made from the store this agent opens in {@code data}
     * @param wrapper   how requests are answered: the handler as it is, or wrapped by a test to slow or cut it
     */
    public InProcessAgent(String frontendHost, int port, String token, Path data,
                          Function<HostStore, LibvirtVmm> vmm, String cacheAddress,
                          Function<AgentHandler, Function<Frame, Frame>> wrapper) {
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        HostStore store = new HostStore(data);
        HostProbe probe = new HostProbe(Path.of("/proc"), Path.of("/sys"), data, List.of());
        handler = new AgentHandler(probe, store, vmm.apply(store), cacheAddress, 0);
        connection = new AgentConnection(frontendHost, port, token, data, Duration.ofSeconds(2),
                wrapper.apply(handler), () -> NimboAgent.sample(probe, "qemu"), Duration.ofSeconds(1));
        AgentConnection c = connection;
        thread = Thread.ofVirtual().start(() -> {
            try {
                c.run();
            } catch (Exception e) {
                // closed by the test
            }
        });
    }

    @Override
    public void close() throws InterruptedException {
        connection.close();
        thread.join(5000);
        handler.close();
    }
}
