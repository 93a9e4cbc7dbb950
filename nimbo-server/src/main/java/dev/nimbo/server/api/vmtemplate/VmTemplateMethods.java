package dev.nimbo.server.api.vmtemplate;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vmtemplate.RestrictedAttributes;
import dev.nimbo.core.vmtemplate.VmTemplate;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import java.util.ArrayList;
import java.util.List;

/**
 * one.template.* (but instantiate, which belongs to the VM family) and one.templatepool.info: VM templates.
 * The recursive variants of clone, delete and chmod act on the images the DISKs name through the image
 * family's own methods, as OpenNebula's internal requests do, so image rules (states, quotas, drivers) stay
 * in one place. One instance per registry; stateless otherwise.
 */
public final class VmTemplateMethods {
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0600);
    static final String HUMAN = ObjectType.TEMPLATE.humanName();

    private final TemplateImages images;

    private VmTemplateMethods(ApiRegistry registry) {
        this.images = new TemplateImages(registry);
    }

    public static void register(ApiRegistry r) {
        VmTemplateMethods m = new VmTemplateMethods(r);
        ApiRegistry shared = new ApiRegistry();
        SharedMethods.register(shared, "one.template", ObjectType.TEMPLATE);
        for (String op : List.of("chown", "rename", "lock", "unlock")) {
            r.register("one.template." + op, shared.find("one.template." + op));
        }
        r.register("one.template.allocate", VmTemplateMethods::allocate);
        r.register("one.template.info", VmTemplateMethods::info);
        r.register("one.template.update", VmTemplateMethods::update);
        r.register("one.template.clone", m::cloneTemplate);
        r.register("one.template.delete", m::delete);
        r.register("one.template.chmod", c -> m.chmod(c, shared));
        r.register("one.templatepool.info", VmTemplateMethods::poolInfo);
    }

    // ------------------------------------------------------------------ allocate, info, update

    static Object allocate(Call call) {
        call.params().arity(1, 1);
        Template t = Templates.parse(call, call.params().string(0));
        call.authorizeCreate(ObjectType.TEMPLATE);
        checkRestricted(call, t);
        String name = t.get("NAME") == null ? "" : t.get("NAME").strip();
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate(HUMAN, problem + ".");
        }
        return call.write(tx -> {
            checkFree(tx, call.subject().uid(), name);
            int id = tx.nextId(ObjectType.TEMPLATE);
            tx.put(new VmTemplate(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), DEFAULT_PERMISSIONS, Lock.NONE, tx.now(), t.without("NAME")));
            return id;
        });
    }

    private static void checkRestricted(Call call, Template t) {
        if (call.subject().isOneadmin()) {
            return;
        }
        String ra = RestrictedAttributes.VM.firstIn(t);
        if (ra != null) {
            throw ApiException.authorization("User [" + call.subject().uid() + "] : VM Template includes a restricted attribute "
                    + ra + ".");
        }
    }

    private static void checkFree(Transaction tx, int uid, String name) {
        PoolObject clash = tx.byName(ObjectType.TEMPLATE, uid, name);
        if (clash != null) {
            throw ApiException.allocate(HUMAN, "NAME is already taken by TEMPLATE " + clash.id() + ".");
        }
    }

    /** one.template.info(id, extended, decrypt): the template as stored (extended disk data is not added yet). */
    static Object info(Call call) {
        call.params().arity(1, 3);
        VmTemplate t = call.ctx().view().require(ObjectType.TEMPLATE, call.params().integer(0));
        call.authorizeIgnoringLock(Right.USE, t);
        return call.ctx().renders().object(t);
    }

    static Object update(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template incoming = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        return call.write(tx -> {
            VmTemplate t = tx.require(ObjectType.TEMPLATE, id);
            call.authorize(Right.MANAGE, t);
            Template in = incoming.without("NAME");
            if (!call.subject().isOneadmin()) {
                String ra = RestrictedAttributes.VM.changed(in, t.template(), merge);
                if (ra != null) {
                    throw ApiException.authorization("User [" + call.subject().uid()
                            + "] : Cannot update template. Tried to change restricted attribute: " + ra + ".");
                }
                in = merge ? in : RestrictedAttributes.VM.keep(in, t.template());
            }
            tx.put(t.withTemplate(t.template().update(in, merge)));
            return id;
        });
    }

    static Object poolInfo(Call call) {
        call.params().arity(3, 3);
        return SharedMethods.poolXml(call, ObjectType.TEMPLATE, SharedMethods.poolSelect(call, ObjectType.TEMPLATE));
    }

    // ------------------------------------------------------------------ clone, delete, chmod

    /** one.template.clone(id, name, recursive): a copy owned by the caller; recursive also copies the images. */
    Object cloneTemplate(Call call) {
        call.params().arity(2, 3);
        int source = call.params().integer(0);
        String name = call.params().string(1);
        boolean recursive = call.params().bool(2, false);
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate(HUMAN, problem + ".");
        }
        call.authorizeCreate(ObjectType.TEMPLATE);
        int newId = call.write(tx -> {
            VmTemplate src = tx.require(ObjectType.TEMPLATE, source);
            call.authorize(Right.USE, src);
            checkFree(tx, call.subject().uid(), name);
            int id = tx.nextId(ObjectType.TEMPLATE);
            tx.put(new VmTemplate(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), DEFAULT_PERMISSIONS, Lock.NONE, tx.now(), src.template()));
            return id;
        });
        if (recursive) {
            images.cloneDisks(call, newId, name);
        }
        return newId;
    }

    /**
     * The private copy a persistent one.template.instantiate makes: template {@code source} with {@code extra}
     * merged, owned by the caller, named {@code name}, its images cloned as persistent images of the caller
     * ("NAME-disk-N"). USE on the source; on a failure nothing is left. Returns the copy's ID.
     */
    public static int clonePersistent(ApiRegistry registry, Call call, int source, String name, Template extra) {
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate(HUMAN, problem + ".");
        }
        call.authorizeCreate(ObjectType.TEMPLATE);
        int newId = call.write(tx -> {
            VmTemplate src = tx.require(ObjectType.TEMPLATE, source);
            call.authorize(Right.USE, src);
            checkFree(tx, call.subject().uid(), name);
            int id = tx.nextId(ObjectType.TEMPLATE);
            tx.put(new VmTemplate(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), DEFAULT_PERMISSIONS, Lock.NONE, tx.now(),
                    src.template().update(extra, true)));
            return id;
        });
        new TemplateImages(registry).cloneDisks(call, newId, name, true);
        return newId;
    }

    /** one.template.delete(id, recursive): recursive also deletes the images; image failures are logged only. */
    Object delete(Call call) {
        call.params().arity(1, 2);
        int id = call.params().integer(0);
        boolean recursive = call.params().bool(1, false);
        VmTemplate deleted = call.write(tx -> {
            VmTemplate t = tx.require(ObjectType.TEMPLATE, id);
            call.authorize(Right.MANAGE, t);
            tx.delete(ObjectType.TEMPLATE, id);
            for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
                if (AclCleanup.objectDeleted(ObjectType.TEMPLATE, id).test((AclRule) o)) {
                    tx.delete(ObjectType.ACL, o.id());
                }
            }
            return t;
        });
        if (recursive) {
            images.deleteImages(call, deleted);
        }
        return id;
    }

    /** one.template.chmod(id, nine bits, recursive): recursive also changes the images' permissions. */
    Object chmod(Call call, ApiRegistry shared) {
        call.params().arity(10, 11);
        boolean recursive = call.params().bool(10, false);
        List<Object> nine = new ArrayList<>(10);
        for (int i = 0; i < 10; i++) {
            nine.add(call.params().integer(i));
        }
        Call plain = new Call(call.method(), call.subject(), new dev.nimbo.server.api.Params(call.method(), nine), call.ctx());
        Object result = shared.find("one.template.chmod").invoke(plain);
        if (recursive) {
            VmTemplate t = call.ctx().view().require(ObjectType.TEMPLATE, call.params().integer(0));
            images.chmodImages(call, t, nine.subList(1, 10));
        }
        return result;
    }
}
