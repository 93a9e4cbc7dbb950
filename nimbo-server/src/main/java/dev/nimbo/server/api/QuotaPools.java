package dev.nimbo.server.api;

import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.xml.XmlWriter;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The pool document of objects that carry quotas (users, groups), shaped as user_pool.xsd and group_pool.xsd:
 * every object's body, then one QUOTAS element per object, then the system default quotas.
 */
public final class QuotaPools {
    private QuotaPools() {
    }

    public static <T extends PoolObject> String write(String poolRoot, String itemRoot, List<T> items,
                                                      BiConsumer<T, XmlWriter> body, Function<T, QuotaSet> quotas,
                                                      DefaultQuotas defaults) {
        XmlWriter w = new XmlWriter(new StringBuilder(512 * (items.size() + 1)));
        w.open(poolRoot);
        for (T o : items) {
            w.open(itemRoot);
            body.accept(o, w);
            w.close(itemRoot);
        }
        for (T o : items) {
            w.open("QUOTAS").element("ID", o.id());
            quotas.apply(o).writeXml(w);
            w.close("QUOTAS");
        }
        defaults.writeXml(w);
        w.close(poolRoot);
        return w.toString();
    }
}
