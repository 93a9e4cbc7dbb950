package dev.nimbo.core.epa;

import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;

/**
 * Which host PCI devices a VM's PCI requests get: a request names VENDOR/DEVICE/CLASS (hex, each optional) or a
 * SHORT_ADDRESS; a free device (VMID -1) that matches is taken, virtual functions and plain devices before SR-IOV
 * physical functions (a PF given away whole would take its VFs with it). NIC-type PCI vectors are the network's
 * business and are skipped. Pure.
 */
public final class PciFit {
    /** Device attributes copied into the VM's PCI vector when it gets the device. */
    public static final List<String> FROM_DEVICE = List.of("ADDRESS", "SHORT_ADDRESS", "BUS", "SLOT", "FUNCTION",
            "DOMAIN", "NUMA_NODE");

    private PciFit() {
    }

    /** The PCI vectors of a VM template that ask for a device. */
    public static boolean isRequest(VectorAttribute pci) {
        return !"NIC".equalsIgnoreCase(pci.get("TYPE"));
    }

    /**
     * Whether the device serves the request. A request by VENDOR/DEVICE/CLASS stays one after the VM got a device
     * (the SHORT_ADDRESS then copied into it does not pin it to that address on its next placement).
     */
    public static boolean matches(PciDevice d, VectorAttribute pci) {
        boolean byId = false;
        for (String k : List.of("VENDOR", "DEVICE", "CLASS")) {
            String want = pci.get(k);
            if (want != null && !want.isBlank()) {
                byId = true;
                if (!want.strip().equalsIgnoreCase(d.get(k))) {
                    return false;
                }
            }
        }
        if (byId) {
            return true;
        }
        String saddr = pci.get("SHORT_ADDRESS");
        return saddr != null && !saddr.isBlank() && saddr.strip().equalsIgnoreCase(d.get("SHORT_ADDRESS"));
    }

    /**
     * For each request in order, the index in {@code devices} of the device it gets, taking none twice. Throws
     * {@link EpaException} naming the first request no free device matches.
     */
    public static int[] pick(List<PciDevice> devices, List<VectorAttribute> requests) {
        int[] out = new int[requests.size()];
        boolean[] taken = new boolean[devices.size()];
        for (int r = 0; r < requests.size(); r++) {
            VectorAttribute req = requests.get(r);
            int found = -1;
            for (int pass = 0; pass < 2 && found < 0; pass++) {
                for (int i = 0; i < devices.size() && found < 0; i++) {
                    PciDevice d = devices.get(i);
                    boolean pf = PciDevice.SRIOV_PF.equalsIgnoreCase(d.sriov());
                    if (!taken[i] && d.vmid() < 0 && (pass == 1) == pf && matches(d, req)) {
                        found = i;
                    }
                }
            }
            if (found < 0) {
                throw new EpaException("no free PCI device for " + describe(req));
            }
            taken[found] = true;
            out[r] = found;
        }
        return out;
    }

    /** How many free devices match the request (a cheap filter before {@link #pick}). */
    public static int freeMatching(List<PciDevice> devices, VectorAttribute req) {
        int n = 0;
        for (PciDevice d : devices) {
            if (d.vmid() < 0 && matches(d, req)) {
                n++;
            }
        }
        return n;
    }

    static String describe(VectorAttribute req) {
        List<String> parts = new ArrayList<>();
        for (String k : List.of("SHORT_ADDRESS", "VENDOR", "DEVICE", "CLASS")) {
            String v = req.get(k);
            if (v != null && !v.isBlank()) {
                parts.add(k + "=" + v.strip());
            }
        }
        return "PCI [" + String.join(", ", parts) + "]";
    }
}
