package dev.nimbo.cli;

import picocli.CommandLine.Option;

/** {@code -w/--watch [SECONDS]} for list commands: reprint the list every few seconds until interrupted. */
public final class WatchOption {
    @Option(names = {"-w", "--watch"}, arity = "0..1", fallbackValue = "2", paramLabel = "SECONDS",
            description = "Repeat the listing every SECONDS (default 2) until Ctrl-C.")
    Integer seconds;

    // lets tests (and scripts sampling a few times) stop after N rounds
    @Option(names = "--watch-count", hidden = true)
    int count;
}
