package dev.nimbo.core.vmgroup;

/**
 * How VMs of a role are placed relative to each other: together (AFFINED), apart (ANTI_AFFINED), or freely
 * (NONE); SOFT_AFFINED and SOFT_ANTI_AFFINED are Nimbo's preferences (OpenNebula has only the hard ones): hosts
 * that keep the role together (apart) rank first, but no host is ruled out by them.
 */
public enum VmGroupPolicy {
    NONE, AFFINED, ANTI_AFFINED, SOFT_AFFINED, SOFT_ANTI_AFFINED
}
