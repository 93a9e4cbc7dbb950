package dev.nimbo.server.api.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.core.hook.Hook;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every info and pool answer built from the render cache is byte for byte the answer the daemon gave before the
 * cache: the success envelope encoded around the document rendered afresh as one String ({@code o.toXml()}, or
 * the pool root around each object's {@code writeXml}). A real daemon in this JVM, one object of each family
 * (with text that needs escaping: &amp; &lt; &gt;, CR, non-Latin-1, a surrogate pair), spoken to over HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CachedAnswersWireTest {
    static final String TRICKY = "a&b <c> \\\"q\\\" it's\r\nline ü € 😀 ]]>";

    Path dir;
    NimboServer server;
    HttpClient http;
    URI endpoint;
    String session;
    String oldInterval;

    int host;
    int cluster;
    int template;
    int hook;
    int image;
    int document;
    int vmgroup;
    int vntemplate;
    int vdc;
    int secgroup;
    int vm;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("nimbo-wire-");
        oldInterval = System.getProperty("nimbo.host.monitorInterval");
        System.setProperty("nimbo.host.monitorInterval", "3600"); // hosts change only when we change them
        server = NimboServer.start(new ServerConfig(dir, "127.0.0.1", 0, null, 0, ServerConfig.DEFAULT_MAX_REQUEST_BYTES,
                1000));
        endpoint = URI.create("http://127.0.0.1:" + server.port() + "/RPC2");
        session = Files.readString(System.getenv("ONE_AUTH") != null ? Path.of(System.getenv("ONE_AUTH"))
                : dir.resolve("one_auth")).strip();
        http = HttpClient.newHttpClient();

        String desc = "DESCRIPTION = \"" + TRICKY + "\"";
        cluster = id(call("one.cluster.allocate", "wire-cluster"));
        host = id(call("one.host.allocate", "wire-host", "dummy", "dummy", cluster));
        ok(call("one.host.update", host, "DUMMY_PROFILE = \"telco-large\"\n" + desc, 1));
        id(call("one.host.allocate", "wire-host-2", "dummy", "dummy", -1));
        template = id(call("one.template.allocate", "NAME = wire-template\nCPU = 1\nMEMORY = 64\n" + desc));
        hook = id(call("one.hook.allocate", "NAME = wire-hook\nTYPE = api\nCOMMAND = /bin/true\n"
                + "CALL = \"one.vmgroup.allocate\"\n" + desc));
        vmgroup = id(call("one.vmgroup.allocate", "NAME = wire-vmgroup\nROLE = [ NAME = a ]\n" + desc));
        image = id(call("one.image.allocate", "NAME = wire-image\nTYPE = DATABLOCK\nSIZE = 1\n" + desc, 1));
        document = id(call("one.document.allocate", "NAME = wire-doc\nBODY = \"" + TRICKY + "\"", 5));
        vntemplate = id(call("one.vntemplate.allocate", "NAME = wire-vntemplate\nVN_MAD = dummy\n" + desc));
        vdc = id(call("one.vdc.allocate", "NAME = wire-vdc\n" + desc));
        secgroup = id(call("one.secgroup.allocate", "NAME = wire-secgroup\nRULE = [ PROTOCOL = TCP, RULE_TYPE = INBOUND ]\n"
                + desc));
        id(call("one.vn.allocate", "NAME = wire-net\nVN_MAD = dummy\nBRIDGE = br0\nAR = [ TYPE = IP4, IP = 10.8.0.1, SIZE = 4 ]\n"
                + desc, -1));
        ok(call("one.acl.addrule", "0x200000001", "0x400400000000", "0x1")); // @1 DOCUMENT/* USE
        vm = id(call("one.vm.allocate", "NAME = wire-vm\nCPU = 1\nMEMORY = 64\n" + desc, true));
        id(call("one.vm.allocate", "NAME = wire-vm-2\nCPU = 1\nMEMORY = 32", false));

        ObjectsView v = server.controller().published();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                v.get(ObjectType.HOST, host).toXml().contains("<TOTAL_CPU>9600</TOTAL_CPU>")
                        && v.get(ObjectType.HOST, host).toXml().contains("<STATE>2</STATE>")
                        && v.get(ObjectType.IMAGE, image).toXml().contains("<STATE>1</STATE>")
                        && ((Hook) v.get(ObjectType.HOOK, hook)).toXml().contains("HOOK_EXECUTION_RECORD"));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (oldInterval == null) {
            System.clearProperty("nimbo.host.monitorInterval");
        } else {
            System.setProperty("nimbo.host.monitorInterval", oldInterval);
        }
    }

    @Test
    void infoAnswersAreTheObjectsXml() throws Exception {
        same(v -> v.get(ObjectType.HOST, host).toXml(), "one.host.info", host);
        same(v -> v.get(ObjectType.CLUSTER, cluster).toXml(), "one.cluster.info", cluster);
        same(v -> v.get(ObjectType.CLUSTER, 0).toXml(), "one.cluster.info", 0);
        same(v -> v.get(ObjectType.ZONE, 0).toXml(), "one.zone.info", 0);
        same(v -> v.get(ObjectType.VDC, 0).toXml(), "one.vdc.info", 0);
        same(v -> v.get(ObjectType.VDC, vdc).toXml(), "one.vdc.info", vdc);
        same(v -> v.get(ObjectType.TEMPLATE, template).toXml(), "one.template.info", template);
        same(v -> v.get(ObjectType.HOOK, hook).toXml(), "one.hook.info", hook);
        same(v -> v.get(ObjectType.SETTING, 0).toXml(), "one.userquota.info");
        same(v -> v.get(ObjectType.SETTING, 1).toXml(), "one.groupquota.info");
        same(v -> v.get(ObjectType.DATASTORE, 1).toXml(), "one.datastore.info", 1);
        same(v -> v.get(ObjectType.IMAGE, image).toXml(), "one.image.info", image);
        same(v -> v.get(ObjectType.DOCUMENT, document).toXml(), "one.document.info", document);
        same(v -> v.get(ObjectType.SECGROUP, secgroup).toXml(), "one.secgroup.info", secgroup);
        same(v -> v.get(ObjectType.VMGROUP, vmgroup).toXml(), "one.vmgroup.info", vmgroup);
        same(v -> v.get(ObjectType.VNTEMPLATE, vntemplate).toXml(), "one.vntemplate.info", vntemplate);
        same(v -> v.get(ObjectType.VM, vm).toXml(), "one.vm.info", vm);
    }

    @Test
    void poolAnswersAreThePoolsXml() throws Exception {
        same(v -> pool(v, ObjectType.HOST), "one.hostpool.info");
        same(v -> pool(v, ObjectType.CLUSTER), "one.clusterpool.info");
        same(v -> pool(v, ObjectType.ZONE), "one.zonepool.info");
        same(v -> pool(v, ObjectType.VDC), "one.vdcpool.info");
        same(v -> pool(v, ObjectType.TEMPLATE), "one.templatepool.info", -2, -1, -1);
        same(v -> pool(v, ObjectType.ACL), "one.acl.info");
        same(v -> pool(v, ObjectType.DATASTORE), "one.datastorepool.info");
        same(v -> pool(v, ObjectType.IMAGE), "one.imagepool.info", -2, -1, -1);
        same(v -> pool(v, ObjectType.NET), "one.vnpool.info", -2, -1, -1);
        same(v -> pool(v, ObjectType.DOCUMENT), "one.documentpool.info", -2, -1, -1);
        same(v -> pool(v, ObjectType.SECGROUP), "one.secgrouppool.info", -2, -1, -1);
        same(v -> pool(v, ObjectType.VMGROUP), "one.vmgrouppool.info", -2, -1, -1);
        same(v -> pool(v, ObjectType.VNTEMPLATE), "one.vntemplatepool.info", -2, -1, -1);
        same(v -> {
            XmlWriter w = new XmlWriter();
            w.open("HOOK_POOL");
            for (PoolObject o : v.list(ObjectType.HOOK)) {
                ((Hook) o).writeXml(w, false);
            }
            return w.close("HOOK_POOL").toString();
        }, "one.hookpool.info", -2, -1, -1);
        same(v -> pool(v, ObjectType.VM), "one.vmpool.infoextended", -2, -1, -1, -1);
        same(v -> {
            XmlWriter w = new XmlWriter();
            w.open("VM_POOL");
            for (PoolObject o : v.list(ObjectType.VM)) {
                ((dev.nimbo.core.vm.VirtualMachine) o).writeShortXml(w);
            }
            return w.close("VM_POOL").toString();
        }, "one.vmpool.info", -2, -1, -1, -1);
        // the state filter: only the VM on hold (STATE 2)
        same(v -> {
            XmlWriter w = new XmlWriter();
            w.open("VM_POOL");
            ((dev.nimbo.core.vm.VirtualMachine) v.get(ObjectType.VM, vm)).writeShortXml(w);
            return w.close("VM_POOL").toString();
        }, "one.vmpool.info", -2, -1, -1, 2);
        // an empty selection
        same(v -> "<VMTEMPLATE_POOL></VMTEMPLATE_POOL>", "one.templatepool.info", -2, 100000, 100001);
    }

    @Test
    void aPoolAnswerLargerThanAWriteChunkArrivesWhole() throws Exception {
        // ~300 KB of documents: the endpoint writes the answer in several 64 KiB chunks of cached parts
        String body = TRICKY.repeat(Math.max(1, 3000 / TRICKY.length()));
        for (int i = 0; i < 100; i++) {
            id(call("one.document.allocate", "NAME = wire-big-" + i + "\nBODY = \"" + body + "\"", 7));
        }
        String reference = pool(server.controller().published(), ObjectType.DOCUMENT);
        assertThat(reference.length()).isGreaterThan(4 * 64 * 1024);
        same(v -> pool(v, ObjectType.DOCUMENT), "one.documentpool.info", -2, -1, -1);
    }

    @Test
    void aChangedObjectIsRenderedAgainAndADeletedOneForgotten() throws Exception {
        same(v -> v.get(ObjectType.DOCUMENT, document).toXml(), "one.document.info", document);
        ok(call("one.document.update", document, "EXTRA = \"changed & <new>\"", 1));
        byte[] after = post("one.document.info", document);
        assertThat(new String(after, StandardCharsets.UTF_8)).contains("CDATA[changed &amp; &lt;new&gt;]]");
        same(v -> v.get(ObjectType.DOCUMENT, document).toXml(), "one.document.info", document);

        int gone = id(call("one.document.allocate", "NAME = wire-gone", 5));
        same(v -> v.get(ObjectType.DOCUMENT, gone).toXml(), "one.document.info", gone);
        ok(call("one.document.delete", gone));
        same(v -> pool(v, ObjectType.DOCUMENT), "one.documentpool.info", -2, -1, -1);
        assertThat(new String(post("one.document.info", gone), StandardCharsets.UTF_8)).contains("<boolean>0</boolean>");
    }

    // ------------------------------------------------------------------ helpers

    /** The pool document as the methods built it before the cache: root around each object's writeXml. */
    static String pool(ObjectsView v, ObjectType type) {
        XmlWriter w = new XmlWriter();
        w.open(type.poolRoot());
        for (PoolObject o : v.list(type)) {
            o.writeXml(w);
        }
        return w.close(type.poolRoot()).toString();
    }

    /**
     * The answer on the wire equals the old encoding of the reference document. Background work (monitoring,
     * hooks) may change an object between our rendering and the call: then the references before and after
     * differ and we ask again.
     */
    void same(Function<ObjectsView, String> reference, String method, Object... params) throws Exception {
        ObjectsView v = server.controller().published();
        for (int attempt = 0; ; attempt++) {
            String before = reference.apply(v);
            byte[] wire = post(method, params);
            String after = reference.apply(v);
            if (!before.equals(after) && attempt < 5) {
                continue;
            }
            byte[] old = XmlRpcCodec.encodeResponse(Arrays.asList(Boolean.TRUE, after, 0));
            assertThat(new String(wire, StandardCharsets.UTF_8)).as(method).isEqualTo(new String(old, StandardCharsets.UTF_8));
            assertThat(wire).as(method).isEqualTo(old);
            return;
        }
    }

    byte[] post(String method, Object... params) throws Exception {
        Object[] all = new Object[params.length + 1];
        all[0] = session;
        System.arraycopy(params, 0, all, 1, params.length);
        HttpRequest req = HttpRequest.newBuilder(endpoint).header("Content-Type", "text/xml")
                .POST(HttpRequest.BodyPublishers.ofByteArray(XmlRpcCodec.encodeRequest(method, Arrays.asList(all)))).build();
        return http.send(req, HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    List<?> call(String method, Object... params) throws Exception {
        return (List<?>) XmlRpcCodec.decodeResponse(post(method, params));
    }

    static List<?> ok(List<?> r) {
        assertThat(r.get(0)).as("call failed: %s", r.get(1)).isEqualTo(Boolean.TRUE);
        return r;
    }

    static int id(List<?> r) {
        return (Integer) ok(r).get(1);
    }
}
