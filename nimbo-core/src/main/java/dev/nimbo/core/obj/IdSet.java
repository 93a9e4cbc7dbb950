package dev.nimbo.core.obj;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/** Sorted, immutable ID collections as objects link to each other ({@code <USERS><ID>1</ID>…</USERS>}). */
public final class IdSet {
    private IdSet() {
    }

    public static SortedSet<Integer> of(Iterable<Integer> ids) {
        TreeSet<Integer> s = new TreeSet<>();
        ids.forEach(s::add);
        return Collections.unmodifiableSortedSet(s);
    }

    public static SortedSet<Integer> with(java.util.Set<Integer> ids, int id) {
        TreeSet<Integer> s = new TreeSet<>(ids);
        s.add(id);
        return Collections.unmodifiableSortedSet(s);
    }

    public static SortedSet<Integer> without(java.util.Set<Integer> ids, int id) {
        TreeSet<Integer> s = new TreeSet<>(ids);
        s.remove(id);
        return Collections.unmodifiableSortedSet(s);
    }

    public static void write(XmlWriter w, String tag, java.util.Set<Integer> ids) {
        w.open(tag);
        for (int id : ids) {
            w.element("ID", id);
        }
        w.close(tag);
    }

    public static SortedSet<Integer> read(XmlNode parent, String tag) {
        TreeSet<Integer> s = new TreeSet<>();
        XmlNode n = parent.child(tag);
        if (n != null) {
            for (XmlNode id : n.all("ID")) {
                s.add(Integer.parseInt(id.text().strip()));
            }
        }
        return Collections.unmodifiableSortedSet(s);
    }
}
