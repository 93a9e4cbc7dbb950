package dev.nimbo.server.api.vm;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.VmRestrictions;
import dev.nimbo.core.vmtemplate.VmTemplate;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.vmtemplate.VmTemplateMethods;

/**
 * one.template.instantiate(id, name, hold, extra template, persistent): a VM from a VM template, as oned builds
 * it: the template (USE needed) with the extra template merged over it (tenants may not change restricted
 * attributes), TEMPLATE_ID and TEMPLATE_NAME recorded, NAME when given (else {@code <template name>-<vm id>}),
 * then created as one.vm.allocate creates VMs, in the same transaction. In persistent mode the caller first gets a
 * private copy of the template (named as the VM, else {@code <template name>-copy}, the extra template merged into
 * it) whose images are persistent copies of the original's owned by the caller, and the VM is made from that copy
 * (with CLONING_TEMPLATE_ID naming the original); the copies are separate steps, as in oned.
 */
final class VmInstantiate {
    private VmInstantiate() {
    }

    static Object instantiate(Call call, ApiRegistry registry) {
        call.params().arity(1, 5);
        int templateId = call.params().integer(0);
        String name = call.params().string(1, "");
        boolean hold = call.params().bool(2, false);
        String extraText = call.params().string(3, "");
        boolean persistent = call.params().bool(4, false);
        Template extra = extraText.isBlank() ? Template.EMPTY : Templates.parse(call, extraText);
        call.authorizeCreate(ObjectType.VM);
        if (persistent) {
            VmTemplate original = call.ctx().view().require(ObjectType.TEMPLATE, templateId);
            call.authorize(Right.USE, original);
            checkRestricted(call, extra, original);
            String copyName = name.isBlank() ? original.name() + "-copy" : name;
            int copy = VmTemplateMethods.clonePersistent(registry, call, templateId, copyName, extra);
            return instantiate(call, copy, name, hold,
                    Template.EMPTY.with("CLONING_TEMPLATE_ID", Integer.toString(templateId)));
        }
        return instantiate(call, templateId, name, hold, extra);
    }

    private static int instantiate(Call call, int templateId, String name, boolean hold, Template extra) {
        int uid = call.subject().uid();
        int gid = call.subject().gid();
        return call.write(tx -> {
            VmTemplate tmpl = tx.require(ObjectType.TEMPLATE, templateId);
            call.authorize(Right.USE, tmpl);
            checkRestricted(call, extra, tmpl);
            Template t = tmpl.template().update(extra, true).without("NAME").without("TEMPLATE_NAME")
                    .without("TEMPLATE_ID").with("TEMPLATE_NAME", tmpl.name())
                    .with("TEMPLATE_ID", Integer.toString(templateId));
            if (!name.isBlank()) {
                t = t.with("NAME", name);
            }
            return VmMethods.create(call, tx, t, hold, uid, call.subject().uname(), gid, call.subject().gname());
        });
    }

    private static void checkRestricted(Call call, Template extra, VmTemplate tmpl) {
        if (!call.subject().isOneadmin()) {
            String r = VmRestrictions.VM.changed(extra, tmpl.template(), true);
            if (r != null) {
                throw ApiException.authorization(VmRestrictions.message(r));
            }
        }
    }
}
