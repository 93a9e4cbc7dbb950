package dev.nimbo.core.image;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The increments of an incremental backup image (image.xsd's BACKUP_INCREMENTS): a FULL backup first, then
 * INCREMENTs each naming its parent. IDs grow from 0; the image's SIZE is the sum of their sizes, as oned keeps it.
 * Keeping only the last N increments folds the oldest ones into the new first, which becomes the FULL one.
 * Immutable; every change returns a new value.
 */
public record BackupIncrements(List<Increment> increments) {
    public static final BackupIncrements EMPTY = new BackupIncrements(List.of());

    /** One backup of the chain: where the datastore driver keeps it (SOURCE) and its size in MB. */
    public record Increment(int id, int parentId, String type, long date, String source, long sizeMb) {
    }

    public BackupIncrements {
        increments = List.copyOf(increments);
    }

    public boolean isEmpty() {
        return increments.isEmpty();
    }

    /** The last increment's ID, or -1 when there is none. */
    public int lastId() {
        return increments.isEmpty() ? -1 : increments.get(increments.size() - 1).id();
    }

    public Increment get(int id) {
        for (Increment i : increments) {
            if (i.id() == id) {
                return i;
            }
        }
        return null;
    }

    public long totalSizeMb() {
        long s = 0;
        for (Increment i : increments) {
            s += i.sizeMb();
        }
        return s;
    }

    /** The chain with one more backup: FULL when it is the first, INCREMENT of the last one otherwise. */
    public BackupIncrements add(String source, long sizeMb, long now) {
        int parent = lastId();
        List<Increment> l = new ArrayList<>(increments);
        l.add(new Increment(parent + 1, parent, parent < 0 ? "FULL" : "INCREMENT", now, source, sizeMb));
        return new BackupIncrements(l);
    }

    /**
     * The chain keeping its last {@code keep} increments: the first kept one becomes FULL (no parent), standing for
     * everything before it, with {@code source} (the driver's merged backup, or its own when null) and the folded
     * size {@code sizeMb} (its own plus the dropped ones' when negative).
     */
    public BackupIncrements keepLast(int keep, String source, long sizeMb) {
        if (keep <= 0 || increments.size() <= keep) {
            return this;
        }
        int drop = increments.size() - keep;
        long folded = 0;
        for (int i = 0; i <= drop; i++) {
            folded += increments.get(i).sizeMb();
        }
        Increment first = increments.get(drop);
        List<Increment> l = new ArrayList<>();
        l.add(new Increment(first.id(), -1, "FULL", first.date(), source == null ? first.source() : source,
                sizeMb < 0 ? folded : sizeMb));
        l.addAll(increments.subList(drop + 1, increments.size()));
        return new BackupIncrements(l);
    }

    public void writeXml(XmlWriter w) {
        if (increments.isEmpty()) {
            w.empty("BACKUP_INCREMENTS");
            return;
        }
        w.open("BACKUP_INCREMENTS");
        for (Increment i : increments) {
            w.open("INCREMENT").element("DATE", i.date()).element("ID", i.id()).element("PARENT_ID", i.parentId())
                    .element("SIZE", i.sizeMb()).element("SOURCE", i.source()).element("TYPE", i.type())
                    .close("INCREMENT");
        }
        w.close("BACKUP_INCREMENTS");
    }

    public static BackupIncrements fromXml(XmlNode n) {
        if (n == null) {
            return EMPTY;
        }
        List<Increment> l = new ArrayList<>();
        for (XmlNode i : n.all("INCREMENT")) {
            l.add(new Increment(i.integer("ID", l.size()), i.integer("PARENT_ID", -1), i.text("TYPE", "INCREMENT"),
                    i.longValue("DATE", 0), i.text("SOURCE", ""), i.longValue("SIZE", 0)));
        }
        return new BackupIncrements(l);
    }
}
