package dev.nimbo.core.quota;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Quota numbers as fixed-point hundredths in a long. oned keeps them as strings printed with two
 * decimals at most and re-reads them on every change, so hundredths give the same values without
 * float drift (charging 0.1 CPU ten times and releasing it ten times returns exactly to 0).
 */
final class Amounts {

    static final long DEFAULT = -100;    // "-1": use the default quota
    static final long UNLIMITED = -200;  // "-2": no limit

    /** Larger values cannot be meant and could overflow sums. */
    private static final BigDecimal MAX = BigDecimal.valueOf(1_000_000_000_000_000L);
    private static final MathContext SIX_DIGITS = new MathContext(6, RoundingMode.HALF_EVEN);

    private Amounts() {
    }

    static long of(long whole) {
        return Math.multiplyExact(whole, 100L);
    }

    static long of(float value) {
        BigDecimal d = Float.isFinite(value) ? BigDecimal.valueOf(value) : null;
        if (d == null || d.abs().compareTo(MAX) > 0) {
            throw new IllegalArgumentException("quota amount out of range: " + value);
        }
        return d.setScale(2, RoundingMode.HALF_UP).unscaledValue().longValueExact();
    }

    /** Parses "4", "0.5", "-1", "1e3"; null when the text is not a number or is out of range. */
    static Long parse(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        if (s.isEmpty()) {
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(s);
            if (d.abs().compareTo(MAX) > 0) {
                return null;
            }
            return d.setScale(2, RoundingMode.HALF_UP).unscaledValue().longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /** As oned's float_to_str: no decimals for whole numbers, else exactly two. */
    static String format(long hundredths) {
        if (hundredths % 100 == 0) {
            return Long.toString(hundredths / 100);
        }
        return BigDecimal.valueOf(hundredths, 2).toPlainString();
    }

    /** As C++ streams print a float by default (%g, six significant digits): 2, 0.5, 1e+06. */
    static String formatShort(long hundredths) {
        if (hundredths == 0) {
            return "0";
        }
        BigDecimal r = BigDecimal.valueOf(hundredths, 2).round(SIX_DIGITS);
        int exp = r.precision() - r.scale() - 1;
        if (exp < -4 || exp >= 6) {
            String mantissa = r.movePointLeft(exp).stripTrailingZeros().toPlainString();
            int e = Math.abs(exp);
            return mantissa + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
        }
        return r.stripTrailingZeros().toPlainString();
    }

    static double toDouble(long hundredths) {
        return hundredths / 100.0;
    }
}
