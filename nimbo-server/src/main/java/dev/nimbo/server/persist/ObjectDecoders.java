package dev.nimbo.server.persist;

import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.state.Store;
import dev.nimbo.core.user.User;
import dev.nimbo.core.xml.XmlNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Turns stored rows back into objects at start: one decoder per object type, registered here. */
public final class ObjectDecoders {
    private final Map<ObjectType, Function<XmlNode, PoolObject>> decoders = new EnumMap<>(ObjectType.class);

    public ObjectDecoders() {
        decoders.put(ObjectType.USER, User::fromXml);
        decoders.put(ObjectType.GROUP, Group::fromXml);
        decoders.put(ObjectType.ACL, AclRule::fromXml);
        decoders.put(ObjectType.ZONE, dev.nimbo.core.zone.Zone::fromXml);
        decoders.put(ObjectType.CLUSTER, Cluster::fromXml);
        decoders.put(ObjectType.DATASTORE, Datastore::fromXml);
        decoders.put(ObjectType.SETTING, DefaultQuotas::fromXml);
        decoders.put(ObjectType.DOCUMENT, dev.nimbo.core.document.Document::fromXml);
        decoders.put(ObjectType.VM, dev.nimbo.core.vm.VirtualMachine::fromXml);
        decoders.put(ObjectType.IMAGE, dev.nimbo.core.image.Image::fromXml);
        decoders.put(ObjectType.SECGROUP, dev.nimbo.core.secgroup.SecurityGroup::fromXml);
        decoders.put(ObjectType.VMGROUP, dev.nimbo.core.vmgroup.VmGroup::fromXml);
        decoders.put(ObjectType.VDC, dev.nimbo.core.vdc.Vdc::fromXml);
        decoders.put(ObjectType.HOOK, dev.nimbo.core.hook.Hook::fromXml);
        decoders.put(ObjectType.HOST, dev.nimbo.core.host.Host::fromXml);
        decoders.put(ObjectType.NET, dev.nimbo.core.vnet.VirtualNetwork::fromXml);
        decoders.put(ObjectType.VNTEMPLATE, dev.nimbo.core.vntemplate.VnTemplate::fromXml);
        decoders.put(ObjectType.TEMPLATE, dev.nimbo.core.vmtemplate.VmTemplate::fromXml);
    }

    /** One object from the XML body the store keeps (also how replicated records travel). */
    public PoolObject decodeObject(ObjectType type, String body) {
        Function<XmlNode, PoolObject> d = decoders.get(type);
        if (d == null) {
            throw new IllegalStateException("no decoder for " + type);
        }
        return d.apply(XmlNode.parse(body));
    }

    /** The records that rebuild the pools from a store snapshot; fails loudly on a row it cannot read. */
    public List<Record> decode(Store.Snapshot snapshot) {
        List<Record> out = new ArrayList<>(snapshot.rows().size() + snapshot.lastIds().size());
        for (Store.Row row : snapshot.rows()) {
            Function<XmlNode, PoolObject> d = decoders.get(row.type());
            if (d == null) {
                throw new IllegalStateException("no decoder for stored " + row.type() + " " + row.id());
            }
            try {
                out.add(new Record.Put(d.apply(XmlNode.parse(row.body()))));
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot read stored " + row.type() + " " + row.id() + ": " + e.getMessage(), e);
            }
        }
        snapshot.lastIds().forEach((type, last) -> out.add(new Record.LastId(type, last)));
        return out;
    }
}
