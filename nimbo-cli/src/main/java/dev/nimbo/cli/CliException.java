package dev.nimbo.cli;

/** An expected failure: printed as one line {@code nimbo: <message>} and turned into {@link #exitCode()}. */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    public static CliException server(String message) {
        return new CliException(ExitCodes.SERVER, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
