package dev.nimbo.core.image;

/**
 * Image states with OpenNebula's numbers (Image::ImageState). LOCKED means a datastore operation is running;
 * the LOCKED_USED* states mean VMs wait for one to finish. {@link #text()} is oned's state_to_str, which shows
 * USED_PERS as "USED" and LOCKED_USED_PERS as "LOCKED_USED"; {@link #shortName()} is the CLI's column.
 */
public enum ImageState {
    INIT(0, "INIT", "init"),
    READY(1, "READY", "rdy"),
    USED(2, "USED", "used"),
    DISABLED(3, "DISABLED", "disa"),
    LOCKED(4, "LOCKED", "lock"),
    ERROR(5, "ERROR", "err"),
    CLONE(6, "CLONE", "clon"),
    DELETE(7, "DELETE", "dele"),
    USED_PERS(8, "USED", "used"),
    LOCKED_USED(9, "LOCKED_USED", "lock"),
    LOCKED_USED_PERS(10, "LOCKED_USED", "lock");

    private final int code;
    private final String text;
    private final String shortName;

    ImageState(int code, String text, String shortName) {
        this.code = code;
        this.text = text;
        this.shortName = shortName;
    }

    public int code() {
        return code;
    }

    public String text() {
        return text;
    }

    public String shortName() {
        return shortName;
    }

    public boolean isLocked() {
        return this == LOCKED || this == LOCKED_USED || this == LOCKED_USED_PERS;
    }

    public static ImageState of(int code) {
        for (ImageState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown image state " + code);
    }
}
