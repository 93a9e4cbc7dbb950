package dev.nimbo.cli;

/** Process exit codes of {@code nimbo}; scripts branch on them, so they never change meaning. */
public final class ExitCodes {
    public static final int OK = 0;
    /** The server refused or failed the request (any error but authentication/authorization). */
    public static final int SERVER = 1;
    /** Bad command line: unknown command or option, missing or malformed argument. */
    public static final int USAGE = 2;
    /** Authentication (0x100) or authorization (0x200) failed, or no credentials could be read. */
    public static final int AUTH = 3;
    /** The endpoint could not be reached or does not speak XML-RPC. */
    public static final int CONNECT = 4;

    private ExitCodes() {}
}
