package dev.nimbo.server.api.system;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;

/** one.system.version (any authenticated user) and one.system.config (oneadmin group only, as oned). */
public final class SystemMethods {
    private SystemMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.system.version", SystemMethods::version);
        r.register("one.system.config", SystemMethods::config);
    }

    static Object version(Call call) {
        call.params().arity(0, 0);
        return ServerConfig.VERSION;
    }

    static Object config(Call call) {
        call.params().arity(0, 0);
        if (!call.subject().isOneadmin()) {
            throw ApiException.authorization("[" + call.method() + "] User [" + call.subject().uid()
                    + "] : not authorized to perform action on system configuration.");
        }
        ServerConfig c = call.ctx().config();
        String db = c.effectiveDbUrl();
        String backend = db.startsWith("jdbc:postgresql:") ? "postgresql" : "sqlite";
        XmlWriter w = new XmlWriter();
        w.open("OPENNEBULA_CONFIGURATION")
                .open("DB").element("BACKEND", backend).close("DB")
                .element("LISTEN_ADDRESS", c.bindAddress())
                .element("PORT", c.port())
                .element("MAX_REQUEST_BYTES", c.maxRequestBytes())
                .element("VERSION", ServerConfig.VERSION)
                .open("FEDERATION").element("MODE", "STANDALONE").element("ZONE_ID", c.zoneId())
                .element("SERVER_ID", -1).element("MASTER_ONED", "").close("FEDERATION")
                .element("DEFAULT_AUTH", "core")
                .close("OPENNEBULA_CONFIGURATION");
        return w.toString();
    }
}
