package dev.nimbo.server.api.vntemplate;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vnet.NetworkDefinition;
import dev.nimbo.core.vnet.VirtualNetwork;
import dev.nimbo.core.vnet.VnDrivers;
import dev.nimbo.core.vnet.VnetRestrictions;
import dev.nimbo.core.vntemplate.VnTemplate;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.api.vnet.VnetMethods;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * one.vntemplate.* and one.vntemplatepool.info: network templates, which users with USE on them instantiate
 * into networks they own (no CREATE right on networks needed, as in OpenNebula). CLUSTER_IDS places the
 * networks; without it they go to the default cluster.
 */
public final class VnTemplateMethods {
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0600);
    static final String HUMAN = ObjectType.VNTEMPLATE.humanName();

    private VnTemplateMethods() {
    }

    public static void register(ApiRegistry r) {
        SharedMethods.register(r, "one.vntemplate", ObjectType.VNTEMPLATE);
        r.register("one.vntemplate.allocate", VnTemplateMethods::allocate);
        r.register("one.vntemplate.clone", VnTemplateMethods::cloneTemplate);
        r.register("one.vntemplate.delete", VnTemplateMethods::delete);
        r.register("one.vntemplate.instantiate", VnTemplateMethods::instantiate);
        r.register("one.vntemplatepool.info", VnTemplateMethods::poolInfo);
    }

    static Object allocate(Call call) {
        call.params().arity(1, 1);
        Template t = Templates.parse(call, call.params().string(0));
        call.authorizeCreate(ObjectType.VNTEMPLATE);
        if (!call.subject().isOneadmin()) {
            String ra = VnetRestrictions.VNET.firstIn(t);
            if (ra != null) {
                throw ApiException.authorization("User [" + call.subject().uid()
                        + "] : VN Template includes a restricted attribute " + ra + ".");
            }
        }
        String name = t.get("NAME") == null ? "" : t.get("NAME").strip();
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate(HUMAN, problem + ".");
        }
        String vnMad = t.get("VN_MAD") == null ? "" : t.get("VN_MAD").strip();
        if (vnMad.isEmpty()) {
            throw ApiException.allocate(HUMAN, "VN_MAD is mandatory.");
        }
        if (!VnDrivers.known(vnMad)) {
            throw ApiException.allocate(HUMAN, "VN_MAD named \"" + vnMad + "\" is not defined; known drivers: "
                    + String.join(", ", VnDrivers.names()));
        }
        return call.write(tx -> {
            checkFree(tx, call.subject().uid(), name);
            int id = tx.nextId(ObjectType.VNTEMPLATE);
            tx.put(new VnTemplate(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), DEFAULT_PERMISSIONS, Lock.NONE, tx.now(), t.without("NAME")));
            return id;
        });
    }

    private static void checkFree(Transaction tx, int uid, String name) {
        PoolObject clash = tx.byName(ObjectType.VNTEMPLATE, uid, name);
        if (clash != null) {
            throw ApiException.allocate(HUMAN, "NAME is already taken by VNTEMPLATE " + clash.id() + ".");
        }
    }

    static Object cloneTemplate(Call call) {
        call.params().arity(2, 2);
        int source = call.params().integer(0);
        String name = call.params().string(1);
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate(HUMAN, problem + ".");
        }
        call.authorizeCreate(ObjectType.VNTEMPLATE);
        return call.write(tx -> {
            VnTemplate src = tx.require(ObjectType.VNTEMPLATE, source);
            call.authorize(Right.USE, src);
            checkFree(tx, call.subject().uid(), name);
            int id = tx.nextId(ObjectType.VNTEMPLATE);
            tx.put(new VnTemplate(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), DEFAULT_PERMISSIONS, Lock.NONE, tx.now(), src.template()));
            return id;
        });
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            VnTemplate t = tx.require(ObjectType.VNTEMPLATE, id);
            call.authorize(Right.MANAGE, t);
            tx.delete(ObjectType.VNTEMPLATE, id);
            for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
                if (AclCleanup.objectDeleted(ObjectType.VNTEMPLATE, id).test((AclRule) o)) {
                    tx.delete(ObjectType.ACL, o.id());
                }
            }
            return id;
        });
    }

    /** one.vntemplate.instantiate(id, name, extra template): a network built from the template and the extras. */
    static Object instantiate(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        String name = call.params().string(1);
        Template extra = Templates.parse(call, call.params().string(2, ""));
        if (!call.subject().isOneadmin()) {
            String ra = VnetRestrictions.VNET.firstIn(extra);
            if (ra != null) {
                throw ApiException.authorization("User [" + call.subject().uid()
                        + "] : Extra Template includes a restricted attribute " + ra + ".");
            }
        }
        return call.write(tx -> {
            VnTemplate src = tx.require(ObjectType.VNTEMPLATE, id);
            call.authorize(Right.USE, src);
            Template t = merged(src.template(), extra).without("NAME").with("TEMPLATE_NAME", src.name())
                    .with("TEMPLATE_ID", Integer.toString(id));
            if (!name.isBlank()) {
                t = t.with("NAME", name);
            }
            Template def = t;
            NetworkDefinition.Parsed parsed = VnetMethods.allocating(() -> NetworkDefinition.parse(def));
            int netId = tx.nextId(ObjectType.NET);
            VirtualNetwork.Builder b = parsed.builder(netId);
            VnetMethods.owned(b, call);
            b.templateId = id;
            b.clusters = clusters(tx, src.template().get("CLUSTER_IDS"));
            return VnetMethods.create(tx, b, parsed.ranges()).id();
        });
    }

    /** The extra template's ARs are added; its other attributes replace the template's of the same name. */
    static Template merged(Template base, Template extra) {
        List<Attribute> ars = new ArrayList<>(extra.all("AR"));
        Template out = base.update(extra.without("AR"), true);
        for (Attribute ar : ars) {
            out = out.add(ar);
        }
        return out;
    }

    /** CLUSTER_IDS ("100,101"): the listed clusters that exist, or the default cluster. */
    static Set<Integer> clusters(Transaction tx, String text) {
        Set<Integer> out = new TreeSet<>();
        if (text != null) {
            for (String p : text.split(",")) {
                try {
                    int cid = Integer.parseInt(p.strip());
                    if (tx.get(ObjectType.CLUSTER, cid) != null) {
                        out.add(cid);
                    }
                } catch (NumberFormatException ignored) {
                    // not a cluster ID: skipped, as OpenNebula does
                }
            }
        }
        if (out.isEmpty()) {
            out.add(Cluster.DEFAULT_ID);
        }
        return out;
    }

    static Object poolInfo(Call call) {
        call.params().arity(3, 3);
        return SharedMethods.poolXml(call, ObjectType.VNTEMPLATE, SharedMethods.poolSelect(call, ObjectType.VNTEMPLATE));
    }
}
