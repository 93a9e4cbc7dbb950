package dev.nimbo.cli.output;

import java.time.Instant;

/** Relative times ("3m ago", "in 2h") for epoch-second timestamps; 0 and negatives mean "never/unset". */
public final class Times {
    private Times() {}

    public static String relative(long epochSeconds, Instant now) {
        if (epochSeconds <= 0) {
            return "-";
        }
        long d = epochSeconds - now.getEpochSecond();
        String span = span(Math.abs(d));
        return d > 0 ? "in " + span : span + " ago";
    }

    static String span(long s) {
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86400) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }
}
