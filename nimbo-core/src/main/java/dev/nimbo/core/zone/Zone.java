package dev.nimbo.core.zone;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;

/** A zone (zone.xsd). STATE 0 enabled, 1 disabled. Servers are the HA replicas (none when solo). Immutable. */
public record Zone(int id, String name, int state, Template template, List<Server> servers) implements PoolObject {

    public static final int ENABLED = 0;
    public static final int DISABLED = 1;

    /** One front-end replica of the zone. */
    public record Server(int id, String name, String endpoint) {
    }

    public Zone {
        servers = List.copyOf(servers);
    }

    @Override
    public ObjectType type() {
        return ObjectType.ZONE;
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
        return new Permissions(0);
    }

    @Override
    public void writeXml(XmlWriter w) {
        w.open("ZONE").element("ID", id).element("NAME", name).element("STATE", state);
        template.writeXml(w);
        w.open("SERVER_POOL");
        for (Server s : servers) {
            w.open("SERVER").element("ENDPOINT", s.endpoint()).element("ID", s.id()).element("NAME", s.name())
                    .close("SERVER");
        }
        w.close("SERVER_POOL").close("ZONE");
    }

    public static Zone fromXml(XmlNode z) {
        List<Server> servers = new ArrayList<>();
        XmlNode pool = z.child("SERVER_POOL");
        if (pool != null) {
            for (XmlNode s : pool.all("SERVER")) {
                servers.add(new Server(s.integer("ID", -1), s.text("NAME"), s.text("ENDPOINT")));
            }
        }
        XmlNode t = z.child("TEMPLATE");
        return new Zone(z.integer("ID", -1), z.text("NAME"), z.integer("STATE", 0),
                t == null ? Template.EMPTY : Template.fromXml(t), servers);
    }
}
