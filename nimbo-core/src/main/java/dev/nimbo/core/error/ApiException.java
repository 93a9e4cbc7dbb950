package dev.nimbo.core.error;

/**
 * An expected failure of an API call: carries the OpenNebula error code, the message the client sees,
 * and the ID of the object concerned (-1 when none). Thrown from validation; never leaves half-written state
 * because actions only emit records, which are discarded when the action throws.
 */
public final class ApiException extends RuntimeException {
    private final ErrorCode code;
    private final int objectId;

    public ApiException(ErrorCode code, String message) {
        this(code, message, -1);
    }

    public ApiException(ErrorCode code, String message, int objectId) {
        super(message, null, false, false);
        this.code = code;
        this.objectId = objectId;
    }

    public ErrorCode code() {
        return code;
    }

    public int objectId() {
        return objectId;
    }

    public static ApiException authentication(String message) {
        return new ApiException(ErrorCode.AUTHENTICATION, message);
    }

    public static ApiException authorization(String message) {
        return new ApiException(ErrorCode.AUTHORIZATION, message);
    }

    public static ApiException noExists(String objectName, int id) {
        return new ApiException(ErrorCode.NO_EXISTS, "Error getting " + objectName + " [" + id + "].", id);
    }

    public static ApiException action(String message) {
        return new ApiException(ErrorCode.ACTION, message);
    }

    public static ApiException action(String message, int id) {
        return new ApiException(ErrorCode.ACTION, message, id);
    }

    public static ApiException api(String message) {
        return new ApiException(ErrorCode.XML_RPC_API, message);
    }

    public static ApiException internal(String message) {
        return new ApiException(ErrorCode.INTERNAL, message);
    }

    public static ApiException allocate(String objectName, String reason) {
        return new ApiException(ErrorCode.ALLOCATE, "Error allocating a new " + objectName + "." + (reason == null || reason.isEmpty() ? "" : " " + reason));
    }

    public static ApiException locked(String objectName, int id) {
        return new ApiException(ErrorCode.LOCKED, "The resource " + objectName + " is locked. [" + id + "].", id);
    }
}
