package dev.nimbo.core.expr;

/** Attribute values read as numbers: NaN for a missing or non-numeric value (every comparison with NaN is false). */
final class Numbers {
    private Numbers() {
    }

    static double parse(String v) {
        if (v == null) {
            return Double.NaN;
        }
        String s = v.strip();
        if (s.isEmpty()) {
            return Double.NaN;
        }
        // fast path for the common case: a plain integer
        long n = 0;
        int k = 0;
        boolean neg = s.charAt(0) == '-';
        if (neg) {
            k = 1;
        }
        if (k < s.length() && s.length() - k < 18) {
            for (; k < s.length(); k++) {
                char c = s.charAt(k);
                if (c < '0' || c > '9') {
                    break;
                }
                n = n * 10 + (c - '0');
            }
            if (k == s.length() && s.length() > (neg ? 1 : 0)) {
                return neg ? -n : n;
            }
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
