package dev.nimbo.core.image;

import java.util.Locale;

/**
 * How hypervisors attach a disk (OpenNebula's Image::DiskType): the DISK_TYPE number of images and
 * datastores and its template spelling.
 */
public enum DiskType {
    FILE(0, "FILE"),
    CD_ROM(1, "CDROM"),
    BLOCK(2, "BLOCK"),
    RBD(3, "RBD"),
    RBD_CDROM(4, "RBD_CDROM"),
    GLUSTER(5, "GLUSTER"),
    GLUSTER_CDROM(6, "GLUSTER_CDROM"),
    SHEEPDOG(7, "SHEEPDOG"),
    SHEEPDOG_CDROM(8, "SHEEPDOG_CDROM"),
    ISCSI(9, "ISCSI"),
    FILE_SYSTEM(10, "FILESYSTEM");

    private final int code;
    private final String text;

    DiskType(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public int code() {
        return code;
    }

    public String text() {
        return text;
    }

    /** The type spelled {@code s} (any case), or null when it names none. */
    public static DiskType parse(String s) {
        String u = s.trim().toUpperCase(Locale.ROOT);
        for (DiskType d : values()) {
            if (d.text.equals(u)) {
                return d;
            }
        }
        return null;
    }

    public static DiskType of(int code) {
        for (DiskType d : values()) {
            if (d.code == code) {
                return d;
            }
        }
        return FILE;
    }
}
