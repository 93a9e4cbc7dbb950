package dev.nimbo.server.api;

import dev.nimbo.server.api.acl.AclMethods;
import dev.nimbo.server.api.document.DocumentMethods;
import dev.nimbo.server.api.group.GroupMethods;
import dev.nimbo.server.api.quota.DefaultQuotaMethods;
import dev.nimbo.server.api.system.SystemMethods;
import dev.nimbo.server.api.user.UserMethods;
import dev.nimbo.server.api.zone.ZoneMethods;

/** Every API family, registered in one place: the list of what the daemon serves. */
public final class ApiFamilies {
    private ApiFamilies() {
    }

    public static void registerAll(ApiRegistry r) {
        SystemMethods.register(r);
        UserMethods.register(r);
        GroupMethods.register(r);
        AclMethods.register(r);
        DefaultQuotaMethods.register(r);
        ZoneMethods.register(r);
        dev.nimbo.server.api.zone.ZoneServerMethods.register(r);
        DocumentMethods.register(r);
        dev.nimbo.server.api.vm.VmMethods.register(r);
        dev.nimbo.server.api.datastore.DatastoreMethods.register(r);
        dev.nimbo.server.api.image.ImageMethods.register(r);
        dev.nimbo.server.api.host.HostMethods.register(r);
        dev.nimbo.server.api.cluster.ClusterMethods.register(r);
        dev.nimbo.server.api.vnet.VnetMethods.register(r);
        dev.nimbo.server.api.vntemplate.VnTemplateMethods.register(r);
        dev.nimbo.server.api.vmtemplate.VmTemplateMethods.register(r);
        dev.nimbo.server.api.secgroup.SecurityGroupMethods.register(r);
        dev.nimbo.server.api.vmgroup.VmGroupMethods.register(r);
        dev.nimbo.server.api.vdc.VdcMethods.register(r);
    }
}
