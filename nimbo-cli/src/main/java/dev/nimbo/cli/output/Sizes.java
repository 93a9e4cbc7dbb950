package dev.nimbo.cli.output;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Human sizes in mebibytes, OpenNebula's unit for MEMORY and disk sizes: {@code 512} and {@code 512m}
 * are 512, {@code 2g} is 2048, {@code 1.5t} is 1572864 (binary units, like OpenNebula's CLI).
 */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);
    private static final String UNITS = "MGTP";

    private Sizes() {}

    /** Mebibytes for {@code text}; kibibytes round up to a whole MiB. */
    public static long parseMb(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text + "' (examples: 512, 512m, 2g, 1.5t)");
        }
        BigDecimal n = new BigDecimal(m.group(1));
        BigDecimal mb = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> n.divide(BigDecimal.valueOf(1024), 10, RoundingMode.UP);
            case "", "m" -> n;
            case "g" -> n.multiply(BigDecimal.valueOf(1024));
            case "t" -> n.multiply(BigDecimal.valueOf(1024L * 1024));
            case "p" -> n.multiply(BigDecimal.valueOf(1024L * 1024 * 1024));
            default -> throw new IllegalArgumentException("unknown unit in '" + text + "'");
        };
        try {
            return mb.setScale(0, RoundingMode.UP).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'", e);
        }
    }

    /** {@code 2048} → "2G", {@code 1536} → "1.5G", {@code 100} → "100M". */
    public static String formatMb(long mb) {
        double v = mb;
        int unit = 0;
        while (Math.abs(v) >= 1024 && unit < UNITS.length() - 1) {
            v /= 1024;
            unit++;
        }
        String num = String.format(Locale.ROOT, "%.1f", v);
        if (num.endsWith(".0")) {
            num = num.substring(0, num.length() - 2);
        }
        return num + UNITS.charAt(unit);
    }
}
