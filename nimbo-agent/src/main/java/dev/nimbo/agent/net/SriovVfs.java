package dev.nimbo.agent.net;

import dev.nimbo.core.template.VectorAttribute;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The host side of an SR-IOV NIC (PCI TYPE=NIC): before the guest gets the VF, its physical function is told the
 * VF's MAC, VLAN (0 resets it), spoof checking (SPOOFCHK) and trust (TRUST), as OpenNebula's VF driver does with
 * {@code ip link set PF vf N ...}. The PF and the VF's number come from sysfs: the VF's {@code physfn} link names its
 * PF, whose {@code virtfnN} links name its VFs and whose {@code net/} directory its network device. A PCI NIC that
 * is not a VF (a whole NIC passed through) has no PF and needs nothing here.
 */
final class SriovVfs {
    private final HostShell sh;
    private final Path sysfs;

    SriovVfs(HostShell sh, Path sysfs) {
        this.sh = sh;
        this.sysfs = sysfs;
    }

    /** A VF of a PF: the PF's network device and the VF's number on it. */
    record Vf(String pf, int index) {
    }

    /** Sets up the VF of each of these PCI NICs (PCI vectors with TYPE=NIC, placed on a device of this host). */
    void configure(List<VectorAttribute> pciNics) {
        for (VectorAttribute pci : pciNics) {
            Vf vf = find(address(pci));
            if (vf == null) {
                continue; // a NIC passed through whole: no PF to tell
            }
            List<String> cmd = new ArrayList<>(List.of("ip", "link", "set", "dev", vf.pf(), "vf",
                    Integer.toString(vf.index())));
            if (!text(pci, "MAC").isEmpty()) {
                cmd.addAll(List.of("mac", text(pci, "MAC")));
            }
            cmd.addAll(List.of("vlan", text(pci, "VLAN_ID").isEmpty() ? "0" : text(pci, "VLAN_ID")));
            for (String[] flag : new String[][] {{"SPOOFCHK", "spoofchk"}, {"TRUST", "trust"}}) {
                if (!text(pci, flag[0]).isEmpty()) {
                    cmd.addAll(List.of(flag[1], "YES".equalsIgnoreCase(text(pci, flag[0])) ? "on" : "off"));
                }
            }
            try {
                sh.run(cmd.toArray(String[]::new));
            } catch (NetworkException e) {
                throw new NetworkException("PCI NIC " + text(pci, "NIC_ID") + " (VF " + address(pci) + "): "
                        + e.getMessage());
            }
        }
    }

    /** The VF at a PCI address (0000:85:02.4), or null when the device is not a VF; an error when it is missing. */
    Vf find(String address) {
        Path device = sysfs.resolve("bus/pci/devices").resolve(address);
        if (!Files.exists(device)) {
            throw new NetworkException("PCI device " + address + " does not exist on this host");
        }
        Path physfn = device.resolve("physfn");
        if (!Files.exists(physfn)) {
            return null;
        }
        try {
            Path pf = physfn.toRealPath();
            Path vf = device.toRealPath();
            int index = -1;
            try (DirectoryStream<Path> links = Files.newDirectoryStream(pf, "virtfn*")) {
                for (Path link : links) {
                    if (link.toRealPath().equals(vf)) {
                        index = Integer.parseInt(link.getFileName().toString().substring("virtfn".length()));
                    }
                }
            }
            List<String> netdevs = new ArrayList<>();
            if (Files.isDirectory(pf.resolve("net"))) {
                try (DirectoryStream<Path> names = Files.newDirectoryStream(pf.resolve("net"))) {
                    names.forEach(n -> netdevs.add(n.getFileName().toString()));
                }
            }
            if (index < 0 || netdevs.size() != 1) {
                throw new NetworkException("PCI device " + address + ": cannot tell its PF's network device or its VF"
                        + " number (PF " + pf.getFileName() + ", devices " + netdevs + ")");
            }
            return new Vf(netdevs.get(0), index);
        } catch (IOException e) {
            throw new NetworkException("PCI device " + address + ": " + e.getMessage());
        }
    }

    /** The device's full PCI address: ADDRESS, or SHORT_ADDRESS in PCI domain 0000. */
    static String address(VectorAttribute pci) {
        String full = text(pci, "ADDRESS");
        if (!full.isEmpty()) {
            return full;
        }
        String shortAddress = text(pci, "SHORT_ADDRESS");
        if (shortAddress.isEmpty()) {
            throw new NetworkException("PCI NIC " + text(pci, "NIC_ID") + " is not placed on a device of this host");
        }
        return "0000:" + shortAddress;
    }

    private static String text(VectorAttribute v, String name) {
        String s = v.get(name);
        return s == null ? "" : s.strip();
    }
}
