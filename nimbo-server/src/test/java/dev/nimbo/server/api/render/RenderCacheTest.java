package dev.nimbo.server.api.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.state.Store;
import dev.nimbo.core.xml.XmlWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RenderCacheTest {
    static final AtomicInteger RENDERS = new AtomicInteger();

    /** A minimal object whose rendering we count. */
    record Doc(int id, String text) implements PoolObject {
        @Override
        public ObjectType type() {
            return ObjectType.DOCUMENT;
        }

        @Override
        public String name() {
            return "d" + id;
        }

        @Override
        public int uid() {
            return 0;
        }

        @Override
        public int gid() {
            return 0;
        }

        @Override
        public Permissions permissions() {
            return new Permissions(0600);
        }

        @Override
        public void writeXml(XmlWriter w) {
            RENDERS.incrementAndGet();
            w.open("DOCUMENT").element("ID", id).element("BODY", text).close("DOCUMENT");
        }
    }

    static final class NoStore implements Store {
        @Override
        public Snapshot load() {
            return new Snapshot(List.of(), Map.of());
        }

        @Override
        public void commit(List<Record> records) {
        }

        @Override
        public String describe() {
            return "none";
        }

        @Override
        public void close() {
        }
    }

    ObjectTable published;
    Controller controller;
    RenderCache cache;

    @BeforeEach
    void start() {
        published = new ObjectTable();
        controller = new Controller(new NoStore(), published, Clock.systemUTC());
        controller.start();
        cache = RenderCache.attach(controller, published);
        RENDERS.set(0);
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    static String str(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    Doc put(Doc d) {
        controller.execute(tx -> {
            tx.put(d);
            return null;
        });
        return d;
    }

    @Test
    void theSameVersionIsRenderedOnceAndAnotherVersionAgain() {
        Doc v1 = put(new Doc(1, "a & <b>\r"));
        byte[] first = cache.escaped(v1);
        assertThat(str(first)).isEqualTo(XmlRpcCodec.escape(v1.toXml()))
                .isEqualTo("&lt;DOCUMENT&gt;&lt;ID&gt;1&lt;/ID&gt;&lt;BODY&gt;a &amp;amp; &amp;lt;b&amp;gt;&#13;&lt;/BODY&gt;&lt;/DOCUMENT&gt;");
        RENDERS.set(0);
        assertThat(cache.escaped(v1)).isSameAs(first);
        assertThat(cache.object(v1).toString()).isEqualTo(str(first));
        assertThat(RENDERS).hasValue(0);

        // an equal but different instance is another version: identity decides
        Doc v2 = put(new Doc(1, "a & <b>\r"));
        assertThat(cache.escaped(v2)).isEqualTo(first).isNotSameAs(first);
        assertThat(RENDERS).hasValue(1);
        // a reader still holding the old version gets the old version's XML
        Doc v3 = put(new Doc(1, "new"));
        assertThat(str(cache.escaped(v3))).contains("new");
        assertThat(cache.escaped(v1)).isEqualTo(first);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void formsAreKeptApart() {
        RenderCache.Form upper = RenderCache.Form.of("upper", (o, w) -> w.element("X", o.name().toUpperCase()));
        Doc d = put(new Doc(7, "x"));
        assertThat(str(cache.escaped(d, upper))).isEqualTo("&lt;X&gt;D7&lt;/X&gt;");
        assertThat(str(cache.escaped(d))).startsWith("&lt;DOCUMENT&gt;");
        assertThat(cache.size()).isEqualTo(2);
        controller.execute(tx -> {
            tx.delete(ObjectType.DOCUMENT, 7);
            return null;
        });
        assertThat(cache.size()).isZero();
    }

    @Test
    void deletedObjectsAreForgotten() {
        List<Doc> docs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            docs.add(put(new Doc(i, "t" + i)));
            cache.escaped(docs.get(i));
        }
        assertThat(cache.size()).isEqualTo(50);
        controller.execute(tx -> {
            for (int i = 0; i < 50; i += 2) {
                tx.delete(ObjectType.DOCUMENT, i);
            }
            return null;
        });
        assertThat(cache.size()).isEqualTo(25);
        // a reader that still held a deleted version renders it but does not keep it
        assertThat(str(cache.escaped(docs.get(0)))).contains("t0");
        assertThat(cache.size()).isEqualTo(25);
    }

    @Test
    void aPoolIsTheEscapingOfTheWholeDocument() {
        List<PoolObject> docs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            docs.add(put(new Doc(i, i % 3 == 0 ? "ü & 😀 <" + i + ">" : "plain " + i)));
        }
        cache.escaped(docs.get(3)); // some parts cached, some not
        XmlWriter w = new XmlWriter();
        w.open("DOCUMENT_POOL");
        docs.forEach(d -> d.writeXml(w));
        String whole = w.close("DOCUMENT_POOL").toString();
        assertThat(cache.pool("DOCUMENT_POOL", docs).toString()).isEqualTo(XmlRpcCodec.escape(whole));
        assertThat(XmlRpcCodec.encodeResponse(Arrays.asList(true, cache.pool("DOCUMENT_POOL", docs), 0)))
                .isEqualTo(XmlRpcCodec.encodeResponse(Arrays.asList(true, whole, 0)));
        assertThat(cache.pool("DOCUMENT_POOL", List.of()).unescaped()).isEqualTo("<DOCUMENT_POOL></DOCUMENT_POOL>");
    }

    @Test
    void concurrentReadersWhileTheWriterReplacesVersions() throws Exception {
        for (int i = 0; i < 20; i++) {
            put(new Doc(i, "v0"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            readers.add(pool.submit(() -> {
                go.await();
                for (int n = 0; n < 2000; n++) {
                    List<PoolObject> now = List.copyOf(published.list(ObjectType.DOCUMENT));
                    String got = cache.pool("DOCUMENT_POOL", now).unescaped();
                    XmlWriter w = new XmlWriter();
                    w.open("DOCUMENT_POOL");
                    now.forEach(o -> o.writeXml(w));
                    assertThat(got).isEqualTo(w.close("DOCUMENT_POOL").toString());
                }
                return null;
            }));
        }
        go.countDown();
        for (int v = 1; v < 200; v++) {
            int version = v;
            controller.execute(tx -> {
                tx.put(new Doc(version % 20, "v" + version));
                if (version % 50 == 0) {
                    tx.delete(ObjectType.DOCUMENT, version % 20);
                }
                return null;
            });
        }
        for (Future<?> f : readers) {
            f.get();
        }
        pool.shutdown();
        assertThat(cache.size()).isLessThanOrEqualTo(published.size(ObjectType.DOCUMENT));
    }
}
