package dev.nimbo.core.auth;

/**
 * An access level an API method asks for, with OpenNebula's ACL rights bit (AuthRequest::Operation).
 * The name is what OpenNebula prints in rule strings and authorization errors.
 */
public enum Right {
    USE(0x1),
    MANAGE(0x2),
    ADMIN(0x4),
    CREATE(0x8);

    private final long bit;

    Right(long bit) {
        this.bit = bit;
    }

    public long bit() {
        return bit;
    }

    /**
     * Position of this right inside one owner/group/other triplet of {@code Permissions.bit(i)}
     * (U, M, A), or -1 for CREATE, which no permission bit grants.
     */
    int permissionOffset() {
        return switch (this) {
            case USE -> 0;
            case MANAGE -> 1;
            case ADMIN -> 2;
            case CREATE -> -1;
        };
    }
}
