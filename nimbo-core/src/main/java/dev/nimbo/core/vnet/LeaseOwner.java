package dev.nimbo.core.vnet;

import dev.nimbo.core.obj.ObjectType;

/**
 * Who holds a lease: a VM (ID -1 for an address put on hold by an administrator), a reservation network, or
 * a virtual router. Stored as OpenNebula packs it in an AR's ALLOCATED list: the object type's bit OR the
 * ID's low 32 bits.
 */
public record LeaseOwner(ObjectType kind, int id) {

    /** An address held with one.vn.hold: owned by "VM -1". */
    public static final LeaseOwner HOLD = new LeaseOwner(ObjectType.VM, -1);

    public LeaseOwner {
        if (kind != ObjectType.VM && kind != ObjectType.NET && kind != ObjectType.VROUTER) {
            throw new IllegalArgumentException("a lease belongs to a VM, a network or a virtual router, not " + kind);
        }
    }

    public static LeaseOwner vm(int vmId) {
        return new LeaseOwner(ObjectType.VM, vmId);
    }

    public static LeaseOwner network(int vnetId) {
        return new LeaseOwner(ObjectType.NET, vnetId);
    }

    public boolean isHold() {
        return equals(HOLD);
    }

    public long pack() {
        return kind.aclBit() | (id & 0xFFFF_FFFFL);
    }

    /** The owner packed in an ALLOCATED entry, or null when the type bits name none of the three. */
    public static LeaseOwner unpack(long packed) {
        int id = (int) (packed & 0xFFFF_FFFFL);
        long type = packed & ~0xFFFF_FFFFL;
        for (ObjectType t : new ObjectType[] {ObjectType.VM, ObjectType.NET, ObjectType.VROUTER}) {
            if (type == t.aclBit()) {
                return new LeaseOwner(t, id);
            }
        }
        return null;
    }

    /** The element a lease of this owner shows in the network's XML: VM, VNET or VROUTER. */
    public String element() {
        return switch (kind) {
            case NET -> "VNET";
            case VROUTER -> "VROUTER";
            default -> "VM";
        };
    }
}
