package dev.nimbo.drivers.kvm;

/** The request names of the agent channel (REQUEST {@code op} attribute), shared by both ends. */
public final class Ops {
    public static final String MONITOR = "monitor";
    public static final String POLL = "poll";
    public static final String VMM = "vmm";
    public static final String FILE_STAT = "file.stat";
    public static final String FILE_WRITE = "file.write";
    public static final String FILE_READ = "file.read";
    public static final String DISK_PREPARE = "disk.prepare";
    public static final String VM_CLEAN = "vm.clean";
    public static final String DIR_LIST = "dir.list";
    /** The VM's directory on the host, made if missing (its absolute path: a live migration's target XML). */
    public static final String VM_DIR = "vm.dir";
    public static final String DISK_SNAPSHOT = "disk.snapshot";
    public static final String DISK_RESIZE = "disk.resize";
    public static final String DISK_DROP = "disk.drop";
    /**
     * Disk save-as: {@code action=copy} makes a standalone qcow2 copy of a VM's disk (or of its internal snapshot
     * {@code snapshot}) and answers its {@code path} and {@code size}; {@code action=drop} removes it.
     */
    public static final String DISK_SAVEAS = "disk.saveas";
    /** Take an image into this host's cache from a peer host of its cluster that has it. */
    public static final String CACHE_FETCH = "cache.fetch";

    private Ops() {
    }
}
