package dev.nimbo.agent;

import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.link.Identity;
import dev.nimbo.agent.link.PeerCache;
import dev.nimbo.agent.store.HostStore;
import dev.nimbo.drivers.agent.Frame;
import dev.nimbo.drivers.kvm.MonitoringCodec;
import dev.nimbo.drivers.kvm.Ops;
import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.io.IOException;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the front-end's requests: one {@code op} each (monitor, poll, vmm actions, file transfer, disk
 * preparation, clean-up), by the host's probe, store and libvirt driver. Failures become a RESPONSE with the
 * reason, never a dropped connection. Thread-safe (requests run concurrently, one per VM at a time).
 */
public final class AgentHandler implements Function<Frame, Frame>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentHandler.class);

    private final HostProbe probe;
    private final HostStore store;
    private final LibvirtVmm vmm;
    /** Where this host serves its image cache to its cluster's peers (null: it does not). */
    private final String cacheAddress;
    private final int cachePort;
    private PeerCache peerCache;

    public AgentHandler(HostProbe probe, HostStore store, LibvirtVmm vmm) {
        this(probe, store, vmm, null, 0);
    }

    /**
     * @param cacheAddress the address of this host its cluster's other hosts reach it at, to fetch images from its
     *                     cache (null: not served); cachePort 0 for any free port
     */
    public AgentHandler(HostProbe probe, HostStore store, LibvirtVmm vmm, String cacheAddress, int cachePort) {
        this.probe = probe;
        this.store = store;
        this.vmm = vmm;
        this.cacheAddress = cacheAddress;
        this.cachePort = cachePort;
    }

    /** The peer cache, started on first use once the host has its certificate; null when not served. */
    private synchronized PeerCache peerCache() throws IOException {
        if (peerCache == null && cacheAddress != null) {
            Identity id = Identity.load(store.root());
            if (id != null) {
                PeerCache p = new PeerCache(store, id);
                p.listen(cacheAddress, cachePort);
                peerCache = p;
            }
        }
        return peerCache;
    }

    /** Stops serving the image cache to peers. */
    @Override
    public synchronized void close() {
        if (peerCache != null) {
            peerCache.close();
            peerCache = null;
        }
    }

    /** What the host reports besides its probe: libvirt's version and domain type, the cache endpoint if any. */
    private Map<String, String> extraMonitoring() throws IOException {
        Map<String, String> m = new TreeMap<>(Map.of("LIBVIRT_VERSION", vmm.libvirtVersion(),
                "KVM_DOMAIN_TYPE", vmm.domainType()));
        PeerCache p = peerCache();
        if (p != null) {
            m.put("CACHE_ENDPOINT", cacheAddress + ":" + p.port());
        }
        return m;
    }

    @Override
    public Frame apply(Frame f) {
        String op = f.attr("op", "");
        try {
            return switch (op) {
                case Ops.MONITOR -> f.ok(Map.of(), MonitoringCodec.hostToXml(withWilds(probe.probe(
                        vmm.domainType().equals("qemu") ? "qemu" : "kvm", extraMonitoring()),
                        ids(f.attr("vms", "")))).getBytes(StandardCharsets.UTF_8));
                case Ops.CACHE_FETCH -> {
                    PeerCache p = peerCache();
                    if (p == null) {
                        yield f.failed("this host does not take images from peers (no --cache-listen)");
                    }
                    p.fetch(f.attr("key", ""), f.attr("endpoint", ""), integer(f, "peer_id"), f.longAttr("size", -1),
                            f.attr("sha256", ""));
                    yield f.ok(Map.of(), null);
                }
                case Ops.POLL -> poll(f);
                case Ops.VMM -> {
                    String action = f.attr("action", "");
                    log.info("VM {}: {}", f.attr("vm_id"), action);
                    if (action.equals("migrate")) {
                        vmm.migrate(integer(f, "vm_id"), integer(f, "ds_id"), f.attr("target_uri", ""),
                                f.attr("target_address", ""), f.attr("target_dir", ""));
                        yield f.ok(Map.of(), null);
                    }
                    String deployId = vmm.execute(action, integer(f, "vm_id"), integer(f, "ds_id"),
                            f.attr("template", ""));
                    Map<String, String> out = new TreeMap<>();
                    if (!deployId.isEmpty()) {
                        out.put("deploy_id", deployId);
                    }
                    yield f.ok(out, null);
                }
                case Ops.FILE_STAT -> {
                    HostStore.Stat s = store.stat(f.attr("path", ""));
                    yield f.ok(Map.of("complete", s.complete() ? "yes" : "no", "size", Long.toString(s.size()),
                            "partial", Long.toString(s.partial())), null);
                }
                case Ops.FILE_WRITE -> {
                    store.write(f.attr("path", ""), f.longAttr("offset", 0), f.body(), "yes".equals(f.attr("last")),
                            f.attr("sha256", ""), f.longAttr("size", -1));
                    yield f.ok(Map.of(), null);
                }
                case Ops.FILE_READ -> {
                    HostStore.Chunk c = store.read(f.attr("path", ""), f.longAttr("offset", 0),
                            (int) Math.min(f.longAttr("length", 1 << 20), 4L << 20));
                    yield f.ok(Map.of("eof", c.eof() ? "yes" : "no"), c.data());
                }
                case Ops.DIR_LIST -> f.ok(Map.of(), String.join("\n", store.list(f.attr("path", "")))
                        .getBytes(StandardCharsets.UTF_8));
                case Ops.DISK_PREPARE -> {
                    if ("yes".equals(f.attr("rebase"))) {
                        store.rebaseClone(integer(f, "ds_id"), integer(f, "vm_id"), integer(f, "disk_id"),
                                f.attr("cache"), f.attr("format"));
                    } else if (f.attr("file") != null) {
                        store.prepareFile(integer(f, "ds_id"), integer(f, "vm_id"), f.attr("file"), f.attr("cache"));
                    } else {
                        store.prepareDisk(integer(f, "ds_id"), integer(f, "vm_id"), integer(f, "disk_id"),
                                new HostStore.ImageRef(f.attr("cache"), f.attr("image")),
                                "yes".equals(f.attr("clone")), "yes".equals(f.attr("readonly")),
                                f.attr("format"), f.longAttr("size_mb", 0));
                    }
                    yield f.ok(Map.of(), null);
                }
                case Ops.DISK_SNAPSHOT -> {
                    int vmId = integer(f, "vm_id");
                    if (vmm.exists(dev.nimbo.agent.libvirt.DomainXml.name(vmId))) {
                        // the disk is in use: QEMU works on it (a running VM's snapshot deleted)
                        vmm.liveDiskSnapshot(vmId, integer(f, "ds_id"), integer(f, "disk_id"), f.attr("action", ""),
                                f.attr("name", ""));
                    } else {
                        store.diskSnapshot(integer(f, "ds_id"), vmId, integer(f, "disk_id"), f.attr("action", ""),
                                f.attr("name", ""));
                    }
                    yield f.ok(Map.of(), null);
                }
                case Ops.DISK_RESIZE -> {
                    store.resize(integer(f, "ds_id"), integer(f, "vm_id"), integer(f, "disk_id"),
                            f.longAttr("size_mb", 0));
                    yield f.ok(Map.of(), null);
                }
                case Ops.DISK_SAVEAS -> {
                    int ds = integer(f, "ds_id");
                    int vmId = integer(f, "vm_id");
                    int disk = integer(f, "disk_id");
                    if ("drop".equals(f.attr("action"))) {
                        store.dropSaveasCopy(ds, vmId, disk);
                        yield f.ok(Map.of(), null);
                    }
                    HostStore.SavedCopy c = savedCopy(ds, vmId, disk, f.attr("snapshot"));
                    yield f.ok(Map.of("path", c.path(), "size", Long.toString(c.size()), "sha256", c.sha256()), null);
                }
                case Ops.DISK_DROP -> {
                    store.dropDisk(integer(f, "ds_id"), integer(f, "vm_id"), integer(f, "disk_id"));
                    yield f.ok(Map.of(), null);
                }
                case Ops.VM_DIR -> {
                    java.nio.file.Path dir = store.vmDir(integer(f, "ds_id"), integer(f, "vm_id")).toAbsolutePath();
                    java.nio.file.Files.createDirectories(dir);
                    yield f.ok(Map.of("path", dir.toString()), null);
                }
                case Ops.VM_CLEAN -> {
                    if ("yes".equals(f.attr("unless_running")) && vmm.exists(
                            dev.nimbo.agent.libvirt.DomainXml.name(integer(f, "vm_id")))) {
                        // a migration the front-end thinks failed arrived after all: its files stay
                        yield f.failed("domain of VM " + f.attr("vm_id") + " runs on this host: its files stay");
                    }
                    store.cleanVm(integer(f, "ds_id"), integer(f, "vm_id"));
                    yield f.ok(Map.of(), null);
                }
                default -> f.failed("unknown request '" + op + "' (agent and front-end versions differ?)");
            };
        } catch (IOException | RuntimeException e) {
            log.warn("{} {} failed: {}", op, f.attr("action", ""), e.getMessage());
            return f.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** A standalone copy of a VM's disk, its domain paused meanwhile if it runs (a consistent copy). */
    private HostStore.SavedCopy savedCopy(int ds, int vmId, int disk, String snapshot) throws IOException {
        try {
            return vmm.withDomainPaused(vmId, () -> store.saveasCopy(ds, vmId, disk, snapshot));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * The host's monitoring with its wild VMs: running domains that are not one of the front-end's VMs here, as
     * TEMPLATE/VM vectors (an empty VM vector when there are none, so earlier ones are dropped).
     */
    private HostMonitoring withWilds(HostMonitoring m, Set<Integer> known) {
        Template t = m.attributes().without("VM");
        List<String> wilds = vmm.wilds(known);
        if (wilds.isEmpty()) {
            t = t.add(new VectorAttribute("VM", List.of()));
        }
        for (String name : wilds) {
            t = t.add(new VectorAttribute("VM", List.of(new SingleAttribute("DEPLOY_ID", name),
                    new SingleAttribute("VM_NAME", name))));
        }
        return new HostMonitoring(t, m.totalCpu(), m.totalMemKb(), m.disk(), m.numaNodes(), m.pciDevices(),
                m.sample());
    }

    private static Set<Integer> ids(String list) {
        Set<Integer> out = new HashSet<>();
        for (String id : list.split(",")) {
            if (!id.isBlank()) {
                out.add(Integer.parseInt(id.strip()));
            }
        }
        return out;
    }

    private Frame poll(Frame f) {
        Set<Integer> wanted = ids(f.attr("vms", ""));
        Map<Integer, Map<String, String>> all = vmm.poll();
        Map<Integer, Map<String, String>> out = new LinkedHashMap<>();
        for (int id : wanted) {
            // a VM the front-end has here with no domain: gone behind its back (destroyed, shut down, crashed away)
            out.put(id, all.getOrDefault(id, Map.of("STATE", "POWEROFF")));
        }
        return f.ok(Map.of(), MonitoringCodec.vmsToXml(out).getBytes(StandardCharsets.UTF_8));
    }

    private static int integer(Frame f, String name) {
        String v = f.attr(name);
        try {
            return Integer.parseInt(v == null ? "" : v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("request attribute " + name + " must be a number, got '" + v + "'");
        }
    }
}
