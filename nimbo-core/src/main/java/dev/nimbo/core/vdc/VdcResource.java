package dev.nimbo.core.vdc;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.obj.ObjectType;
import java.util.List;

/**
 * The four kinds of resources a VDC hands to its groups, with the XML names of vdc.xsd and the ACL rights
 * OpenNebula's default oned.conf grants for them (DEFAULT_VDC_*_ACL): a host MANAGE, a network or datastore USE,
 * and a cluster all three kinds inside it ({@code @gid HOST/%cid MANAGE}, {@code @gid NET/%cid USE},
 * {@code @gid DATASTORE/%cid USE}).
 */
public enum VdcResource {
    CLUSTER("CLUSTERS", "CLUSTER", ObjectType.CLUSTER, "CLUSTER", List.of(
            new Grant(ObjectType.HOST, Right.MANAGE), new Grant(ObjectType.NET, Right.USE),
            new Grant(ObjectType.DATASTORE, Right.USE))),
    HOST("HOSTS", "HOST", ObjectType.HOST, "HOST", List.of(new Grant(ObjectType.HOST, Right.MANAGE))),
    DATASTORE("DATASTORES", "DATASTORE", ObjectType.DATASTORE, "DATASTORE",
            List.of(new Grant(ObjectType.DATASTORE, Right.USE))),
    VNET("VNETS", "VNET", ObjectType.NET, "NET", List.of(new Grant(ObjectType.NET, Right.USE)));

    /** One ACL grant: objects of this type get this right. Kept in OpenNebula's order (by type bit). */
    public record Grant(ObjectType type, Right right) {
    }

    private final String listElement;
    private final String itemElement;
    private final ObjectType objectType;
    private final String typeName;
    private final List<Grant> grants;

    VdcResource(String listElement, String itemElement, ObjectType objectType, String typeName, List<Grant> grants) {
        this.listElement = listElement;
        this.itemElement = itemElement;
        this.objectType = objectType;
        this.typeName = typeName;
        this.grants = grants;
    }

    /** CLUSTERS, HOSTS, DATASTORES, VNETS. */
    public String listElement() {
        return listElement;
    }

    /** CLUSTER, HOST, DATASTORE, VNET; the ID element is this plus "_ID". */
    public String itemElement() {
        return itemElement;
    }

    public ObjectType objectType() {
        return objectType;
    }

    /** The name OpenNebula uses in VDC error messages (its object type string): CLUSTER, HOST, DATASTORE, NET. */
    public String typeName() {
        return typeName;
    }

    public List<Grant> grants() {
        return grants;
    }
}
