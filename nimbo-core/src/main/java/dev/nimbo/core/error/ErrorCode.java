package dev.nimbo.core.error;

/** OpenNebula's wire error codes (include/Request.h); the third element of every XML-RPC response. */
public enum ErrorCode {
    SUCCESS(0x0),
    AUTHENTICATION(0x100),
    AUTHORIZATION(0x200),
    NO_EXISTS(0x400),
    ACTION(0x800),
    XML_RPC_API(0x1000),
    INTERNAL(0x2000),
    ALLOCATE(0x4000),
    LOCKED(0x8000);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
