package dev.nimbo.core.image;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * An image's snapshot tree (the SNAPSHOTS element of image.xsd). Snapshots reach images from the disks of
 * persistent images when VMs release them; the image API deletes, reverts to and flattens them. Orphan mode
 * ALLOW_ORPHANS: NO (a snapshot with children or the active one cannot be deleted), YES, MIXED, FORMAT,
 * LINEAR. Immutable; every change returns a new tree.
 */
public record ImageSnapshots(String allowOrphans, int currentBase, int nextSnapshot, List<Snapshot> snapshots) {

    /** What a new image starts with: no snapshots, orphans denied. */
    public static final ImageSnapshots EMPTY = new ImageSnapshots("NO", -1, 0, List.of());

    /** One snapshot: its parent (-1 for a root), whether it is the active one, and its children. */
    public record Snapshot(int id, String name, long date, int parent, long sizeMb, boolean active,
                           List<Integer> children) {
        public Snapshot {
            children = List.copyOf(new TreeSet<>(children));
        }

        Snapshot withActive(boolean a) {
            return new Snapshot(id, name, date, parent, sizeMb, a, children);
        }

        Snapshot withParent(int p) {
            return new Snapshot(id, name, date, p, sizeMb, active, children);
        }

        Snapshot withChildren(List<Integer> c) {
            return new Snapshot(id, name, date, parent, sizeMb, active, c);
        }
    }

    public ImageSnapshots {
        allowOrphans = allowOrphans == null ? "NO" : allowOrphans.toUpperCase(Locale.ROOT);
        snapshots = List.copyOf(snapshots);
    }

    public boolean isEmpty() {
        return snapshots.isEmpty();
    }

    public int size() {
        return snapshots.size();
    }

    public Snapshot get(int id) {
        for (Snapshot s : snapshots) {
            if (s.id() == id) {
                return s;
            }
        }
        return null;
    }

    public boolean exists(int id) {
        return get(id) != null;
    }

    /** The active snapshot's ID, or -1. */
    public int active() {
        for (Snapshot s : snapshots) {
            if (s.active()) {
                return s.id();
            }
        }
        return -1;
    }

    public long totalSizeMb() {
        long total = 0;
        for (Snapshot s : snapshots) {
            total += s.sizeMb();
        }
        return total;
    }

    private boolean linksChildren() {
        return allowOrphans.equals("NO") || allowOrphans.equals("MIXED");
    }

    /**
     * Adds a snapshot (as a VM disk snapshot does) and makes it the active one: with orphans denied its parent is
     * the currently active snapshot, in MIXED mode the current base, otherwise none.
     */
    public ImageSnapshots create(String name, long sizeMb, long date) {
        int id = nextSnapshot;
        int parent = switch (allowOrphans) {
            case "NO" -> active();
            case "MIXED" -> currentBase;
            default -> -1;
        };
        List<Snapshot> out = new ArrayList<>();
        for (Snapshot s : snapshots) {
            Snapshot n = s.withActive(false);
            if (s.id() == parent) {
                List<Integer> c = new ArrayList<>(s.children());
                c.add(id);
                n = n.withChildren(c);
            }
            out.add(n);
        }
        out.add(new Snapshot(id, name == null ? "" : name, date, parent, sizeMb, true, List.of()));
        return new ImageSnapshots(allowOrphans, currentBase, id + 1, out);
    }

    /** Null when the snapshot may be deleted from the image, else oned's reason. */
    public String deleteRefusal(int id) {
        Snapshot s = get(id);
        if (s == null) {
            return "Snapshot does not exist";
        }
        if (linksChildren()) {
            if (s.active()) {
                return "Cannot delete the active snapshot";
            }
            if (!s.children().isEmpty()) {
                return "Cannot delete snapshot with children";
            }
        }
        return null;
    }

    /** Removes a snapshot, relinking parent and child as oned does (a single child moves up to the parent). */
    public ImageSnapshots delete(int id) {
        Snapshot gone = get(id);
        if (gone == null) {
            return this;
        }
        int parent = gone.parent();
        int onlyChild = gone.children().size() == 1 ? gone.children().get(0) : -1;
        List<Snapshot> out = new ArrayList<>();
        for (Snapshot s : snapshots) {
            if (s.id() == id) {
                continue;
            }
            Snapshot n = s;
            if (linksChildren() && parent != -1 && s.id() == parent) {
                List<Integer> c = new ArrayList<>(s.children());
                c.remove(Integer.valueOf(id));
                if (onlyChild != -1) {
                    c.add(onlyChild);
                }
                n = n.withChildren(c);
                if (gone.active()) {
                    n = n.withActive(true);
                }
            }
            if (linksChildren() && s.id() == onlyChild) {
                n = n.withParent(parent);
            }
            out.add(n);
        }
        return new ImageSnapshots(allowOrphans, currentBase, nextSnapshot, out);
    }

    /** Makes the snapshot the active one (MIXED mode: also the current base); LINEAR drops younger ones. */
    public ImageSnapshots revert(int id) {
        if (!exists(id)) {
            return this;
        }
        List<Snapshot> out = new ArrayList<>();
        for (Snapshot s : snapshots) {
            if (allowOrphans.equals("LINEAR") && s.id() > id) {
                continue;
            }
            out.add(s.withActive(s.id() == id));
        }
        int base = allowOrphans.equals("MIXED") ? id : currentBase;
        return new ImageSnapshots(allowOrphans, base, nextSnapshot, out);
    }

    /** The snapshots a revert to {@code id} discards (LINEAR mode only): their total size. */
    public long revertDiscardedMb(int id) {
        if (!allowOrphans.equals("LINEAR")) {
            return 0;
        }
        long total = 0;
        for (Snapshot s : snapshots) {
            if (s.id() > id) {
                total += s.sizeMb();
            }
        }
        return total;
    }

    /** After a flatten the image has no snapshots left. */
    public ImageSnapshots cleared() {
        return new ImageSnapshots(allowOrphans, -1, 0, List.of());
    }

    public void writeXml(XmlWriter w) {
        w.open("SNAPSHOTS").cdata("ALLOW_ORPHANS", allowOrphans).cdata("CURRENT_BASE", String.valueOf(currentBase))
                .cdata("NEXT_SNAPSHOT", String.valueOf(nextSnapshot));
        for (Snapshot s : snapshots) {
            w.open("SNAPSHOT");
            if (!s.children().isEmpty()) {
                w.cdata("CHILDREN", String.join(",", s.children().stream().map(String::valueOf).toList()));
            }
            if (s.active()) {
                w.cdata("ACTIVE", "YES");
            }
            w.cdata("DATE", String.valueOf(s.date())).cdata("ID", String.valueOf(s.id()));
            if (!s.name().isEmpty()) {
                w.cdata("NAME", s.name());
            }
            w.cdata("PARENT", String.valueOf(s.parent())).cdata("SIZE", String.valueOf(s.sizeMb()));
            w.close("SNAPSHOT");
        }
        w.close("SNAPSHOTS");
    }

    public static ImageSnapshots fromXml(XmlNode n) {
        if (n == null) {
            return EMPTY;
        }
        List<Snapshot> list = new ArrayList<>();
        for (XmlNode s : n.all("SNAPSHOT")) {
            List<Integer> children = new ArrayList<>();
            for (String c : s.text("CHILDREN").split(",")) {
                if (!c.isBlank()) {
                    children.add(Integer.parseInt(c.trim()));
                }
            }
            String active = s.text("ACTIVE").trim().toUpperCase(Locale.ROOT);
            list.add(new Snapshot(s.integer("ID", 0), s.text("NAME"), s.longValue("DATE", 0), s.integer("PARENT", -1),
                    s.longValue("SIZE", 0), active.equals("YES") || active.equals("TRUE"), children));
        }
        String orphans = n.text("ALLOW_ORPHANS", "NO").trim();
        return new ImageSnapshots(orphans.isEmpty() ? "NO" : orphans, n.integer("CURRENT_BASE", -1),
                n.integer("NEXT_SNAPSHOT", 0), list);
    }
}
