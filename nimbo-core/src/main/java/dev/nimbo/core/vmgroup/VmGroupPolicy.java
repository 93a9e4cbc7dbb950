package dev.nimbo.core.vmgroup;

/** How VMs are placed relative to each other: together (AFFINED), apart (ANTI_AFFINED), or freely (NONE). */
public enum VmGroupPolicy {
    NONE, AFFINED, ANTI_AFFINED
}
