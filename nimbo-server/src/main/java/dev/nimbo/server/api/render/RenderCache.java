package dev.nimbo.server.api.render;

import dev.nimbo.client.xmlrpc.EscapedText;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Each object version's XML, rendered and escaped for an XML-RPC {@code <string>} once (kept as UTF-8, ready to
 * be copied into an answer) and reused by every info and pool answer until the object changes. Objects are immutable and replaced on every change, so an entry is
 * valid exactly while it holds the very instance being asked for; any other instance (a newer version, or an
 * older one a slow reader still holds) is rendered afresh and replaces the entry.
 *
 * <p>Readers never lock or wait: a miss renders on the caller's thread and two readers missing at once both
 * render, the last one's entry staying. Memory stays bounded by the live objects: the controller's commit
 * listener drops the entries of deleted objects, and a reader that re-inserts one in a race with the delete
 * takes it out again itself.
 *
 * <p>Only renderings that depend on the object alone belong here ({@link Form}), never ones that depend on the
 * caller (filtered leases, per-user quota blocks). Thread-safe.
 */
public final class RenderCache {

    /**
     * One way of rendering an object, a pure function of the object version; entries of different forms are kept
     * apart. Compared by identity: declare forms as constants.
     */
    public static final class Form {
        private static final List<Form> ALL = new CopyOnWriteArrayList<>();

        private final String name;
        private final BiConsumer<PoolObject, XmlWriter> writer;

        private Form(String name, BiConsumer<PoolObject, XmlWriter> writer) {
            this.name = name;
            this.writer = writer;
        }

        public static Form of(String name, BiConsumer<PoolObject, XmlWriter> writer) {
            Form f = new Form(Objects.requireNonNull(name), Objects.requireNonNull(writer));
            ALL.add(f);
            return f;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The object's own document, {@link PoolObject#writeXml}: what {@code toXml()} gives. */
    public static final Form OBJECT = Form.of("object", PoolObject::writeXml);

    private record Key(Form form, ObjectType type, int id) {
    }

    private record Entry(PoolObject version, byte[] escaped) {
    }

    private final ObjectsView view;
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

    /** A cache over {@code view}, the published objects; see {@link #attach} to have deletions forgotten. */
    public RenderCache(ObjectsView view) {
        this.view = Objects.requireNonNull(view, "view");
    }

    /** A cache over the view that forgets each object the controller deletes (as the commit is published). */
    public static RenderCache attach(Controller controller, ObjectsView view) {
        RenderCache cache = new RenderCache(view);
        if (controller != null) {
            controller.addCommitListener(cache::committed);
        }
        return cache;
    }

    /** {@code o.toXml()}, escaped, as UTF-8. The array is shared: never change it. */
    public byte[] escaped(PoolObject o) {
        return escaped(o, OBJECT);
    }

    /** The object rendered in {@code form}, escaped, as UTF-8. The array is shared: never change it. */
    public byte[] escaped(PoolObject o, Form form) {
        Key key = new Key(form, o.type(), o.id());
        Entry e = entries.get(key);
        if (e != null && e.version == o) {
            return e.escaped;
        }
        XmlWriter w = new XmlWriter(new StringBuilder(e == null ? 1024 : e.escaped.length));
        form.writer.accept(o, w);
        Entry fresh = new Entry(o, EscapedText.escapeToUtf8(w.builder()));
        entries.put(key, fresh);
        if (view.get(o.type(), o.id()) == null) {
            entries.remove(key, fresh); // deleted meanwhile: the commit listener may already have passed
        }
        return fresh.escaped;
    }

    /** One object's document as an answer value: encodes exactly as {@code o.toXml()} would. */
    public EscapedText object(PoolObject o) {
        return EscapedText.ofUtf8(List.of(escaped(o, OBJECT)));
    }

    /** {@code <root>} the objects' documents {@code </root>}, as {@link #pool(String, Collection, Form)}. */
    public EscapedText pool(String root, Collection<? extends PoolObject> objects) {
        return pool(root, objects, OBJECT);
    }

    /**
     * {@code <root>} each object rendered in {@code form} {@code </root>}, made of the cached escaped parts (not
     * joined: the encoder copies them straight into the answer). It encodes exactly as the same document built
     * as one String would.
     */
    public EscapedText pool(String root, Collection<? extends PoolObject> objects, Form form) {
        List<byte[]> parts = new ArrayList<>(objects.size() + 2);
        parts.add(EscapedText.escapeToUtf8("<" + root + ">"));
        for (PoolObject o : objects) {
            parts.add(escaped(o, form));
        }
        parts.add(EscapedText.escapeToUtf8("</" + root + ">"));
        return EscapedText.ofUtf8(parts);
    }

    /** Entries held now (for tests and metrics). */
    public int size() {
        return entries.size();
    }

    private void committed(List<Record> records) {
        for (Record r : records) {
            if (r instanceof Record.Delete d) {
                for (Form f : Form.ALL) {
                    entries.remove(new Key(f, d.type(), d.id()));
                }
            }
        }
    }
}
