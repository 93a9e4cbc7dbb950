package dev.nimbo.client.xmlrpc;

import static dev.nimbo.client.xmlrpc.XmlRpcParser.isWs;
import static dev.nimbo.client.xmlrpc.XmlRpcParser.quote;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.Base64;

/** Strict parsers for the text of scalar value elements; each failure is a one-line XmlRpcException. */
final class XmlRpcScalars {
    private XmlRpcScalars() {}

    /** ASCII digits only (Long.parseLong would take other Unicode digits), optional sign, range checked. */
    static long parseInteger(String s, long min, long max, String type) {
        int n = s.length();
        int i = 0;
        boolean negative = false;
        if (n > 0 && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        if (i == n) {
            throw badNumber(type, s);
        }
        long acc = 0; // accumulated negatively so Long.MIN_VALUE fits
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw badNumber(type, s);
            }
            int d = c - '0';
            if (acc < (Long.MIN_VALUE + d) / 10) { // acc * 10 - d would underflow
                throw badNumber(type, s);
            }
            acc = acc * 10 - d;
        }
        if (!negative) {
            if (acc == Long.MIN_VALUE) {
                throw badNumber(type, s);
            }
            acc = -acc;
        }
        if (acc < min || acc > max) {
            throw badNumber(type, s);
        }
        return acc;
    }

    private static XmlRpcException badNumber(String type, String s) {
        return new XmlRpcException("invalid " + type + " value " + quote(s));
    }

    static Boolean parseBoolean(String s) {
        return switch (s) {
            case "1" -> Boolean.TRUE;
            case "0" -> Boolean.FALSE;
            default -> throw new XmlRpcException("invalid boolean value " + quote(s) + " (must be 0 or 1)");
        };
    }

    /**
     * Decimal notation, optionally with an exponent (common clients send one); NaN and Infinity in Java's
     * and Python's spellings. Hex floats and Java suffixes ("1d") are rejected.
     */
    static Double parseDouble(String s) {
        int n = s.length();
        int i = 0;
        if (n > 0 && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            i = 1;
        }
        String rest = s.substring(i);
        if (rest.equalsIgnoreCase("nan")) {
            return Double.NaN;
        }
        if (rest.equalsIgnoreCase("inf") || rest.equalsIgnoreCase("infinity")) {
            return s.charAt(0) == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        int digits = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            throw badNumber("double", s);
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
                i++;
            }
            int expStart = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == expStart) {
                throw badNumber("double", s);
            }
        }
        if (i != n) {
            throw badNumber("double", s);
        }
        return Double.parseDouble(s);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Line breaks and other whitespace are allowed (Python wraps at 76 columns). */
    static byte[] parseBase64(String s) {
        StringBuilder clean = null;
        for (int i = 0; i < s.length(); i++) {
            if (isWs(s.charAt(i))) {
                if (clean == null) {
                    clean = new StringBuilder(s.length());
                    clean.append(s, 0, i);
                }
            } else if (clean != null) {
                clean.append(s.charAt(i));
            }
        }
        try {
            return Base64.getDecoder().decode(clean == null ? s : clean.toString());
        } catch (IllegalArgumentException e) {
            throw new XmlRpcException("invalid base64 value");
        }
    }

    /**
     * {@code 19980717T14:08:55}, {@code 1998-07-17T14:08:55}, {@code 19980717T140855}, optional fraction and
     * zone suffix ({@code Z}, {@code +02:00}, {@code +0200}, {@code +02}). The zone is dropped: the
     * wall-clock time is kept as written.
     */
    static LocalDateTime parseDateTime(String s) {
        Cursor c = new Cursor(s);
        try {
            int year = c.digits(4);
            boolean extended = c.accept('-');
            int month = c.digits(2);
            if (extended) {
                c.expect('-');
            }
            int day = c.digits(2);
            c.expect('T');
            int hour = c.digits(2);
            boolean colon = c.accept(':');
            int minute = c.digits(2);
            if (colon) {
                c.expect(':');
            }
            int second = c.digits(2);
            int nanos = 0;
            if (c.accept('.') || c.accept(',')) {
                int scale = 100_000_000;
                int count = 0;
                while (c.hasDigit()) {
                    nanos += c.digits(1) * scale;
                    scale /= 10;
                    if (++count > 9) {
                        throw new IllegalArgumentException();
                    }
                }
                if (count == 0) {
                    throw new IllegalArgumentException();
                }
            }
            if (c.accept('Z') || c.accept('z')) {
                // UTC: nothing to do
            } else if (c.accept('+') || c.accept('-')) {
                c.digits(2);
                boolean zoneColon = c.accept(':');
                if (zoneColon || c.hasDigit()) {
                    c.digits(2);
                }
            }
            if (!c.atEnd()) {
                throw new IllegalArgumentException();
            }
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new XmlRpcException("invalid dateTime.iso8601 value " + quote(s));
        }
    }

    private static final class Cursor {
        private final String s;
        private int i;

        Cursor(String s) {
            this.s = s;
        }

        int digits(int count) {
            int v = 0;
            for (int k = 0; k < count; k++) {
                if (!hasDigit()) {
                    throw new IllegalArgumentException();
                }
                v = v * 10 + (s.charAt(i++) - '0');
            }
            return v;
        }

        boolean hasDigit() {
            return i < s.length() && isDigit(s.charAt(i));
        }

        boolean accept(char ch) {
            if (i < s.length() && s.charAt(i) == ch) {
                i++;
                return true;
            }
            return false;
        }

        void expect(char ch) {
            if (!accept(ch)) {
                throw new IllegalArgumentException();
            }
        }

        boolean atEnd() {
            return i == s.length();
        }
    }
}
