package dev.nimbo.core.image;

import java.util.Locale;

/** What an image holds (Image::ImageType): its TYPE number and name. */
public enum ImageType {
    OS(0),
    CDROM(1),
    DATABLOCK(2),
    KERNEL(3),
    RAMDISK(4),
    CONTEXT(5),
    BACKUP(6),
    FILESYSTEM(7);

    private final int code;

    ImageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ImageType of(int code) {
        for (ImageType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return OS;
    }

    /** The type named {@code s} (any case), or null. */
    public static ImageType parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Disk images (attachable to VMs): OS, CDROM, DATABLOCK. */
    public boolean isDisk() {
        return this == OS || this == CDROM || this == DATABLOCK;
    }

    /** File images, which live in FILE_DS datastores: KERNEL, RAMDISK, CONTEXT. */
    public boolean isFile() {
        return this == KERNEL || this == RAMDISK || this == CONTEXT;
    }
}
