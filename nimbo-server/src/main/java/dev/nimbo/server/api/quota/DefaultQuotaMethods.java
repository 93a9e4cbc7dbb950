package dev.nimbo.server.api.quota;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.template.Template;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;

/** one.userquota.* and one.groupquota.*: the system-wide default quotas. Reading is open; changing is oneadmin's. */
public final class DefaultQuotaMethods {
    private DefaultQuotaMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.userquota.info", c -> info(c, ApiContext.DEFAULT_USER_QUOTAS_ID));
        r.register("one.userquota.update", c -> update(c, ApiContext.DEFAULT_USER_QUOTAS_ID));
        r.register("one.groupquota.info", c -> info(c, ApiContext.DEFAULT_GROUP_QUOTAS_ID));
        r.register("one.groupquota.update", c -> update(c, ApiContext.DEFAULT_GROUP_QUOTAS_ID));
    }

    static Object info(Call call, int which) {
        call.params().arity(0, 0);
        return call.ctx().renders().object(call.ctx().view().require(ObjectType.SETTING, which));
    }

    static Object update(Call call, int which) {
        call.params().arity(1, 1);
        if (!call.subject().isOneadmin()) {
            throw ApiException.authorization("[" + call.method() + "] User [" + call.subject().uid()
                    + "] : not authorized to change the default quotas.");
        }
        Template t = Templates.parse(call, call.params().string(0));
        return call.write(tx -> {
            DefaultQuotas current = tx.require(ObjectType.SETTING, which);
            DefaultQuotas updated = current.update(t);
            tx.put(updated);
            return updated.toXml();
        });
    }
}
