package dev.nimbo.cli.output;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code --filter} expression on a list column: {@code COL=VALUE} (exact), {@code COL!=VALUE} or
 * {@code COL~REGEX} (found anywhere in the cell). Column names are case-insensitive.
 */
public record RowFilter(String column, String op, String value, Pattern regex) {

    /** @throws IllegalArgumentException when malformed (a usage error for the caller) */
    public static RowFilter parse(String expr) {
        int i = 0;
        while (i < expr.length() && "=!~".indexOf(expr.charAt(i)) < 0) {
            i++;
        }
        if (i == 0 || i >= expr.length()) {
            throw new IllegalArgumentException("bad filter '" + expr + "': use COL=VALUE, COL!=VALUE or COL~REGEX");
        }
        String col = expr.substring(0, i).trim().toUpperCase(Locale.ROOT);
        String rest = expr.substring(i);
        if (rest.startsWith("!=")) {
            return new RowFilter(col, "!=", rest.substring(2), null);
        }
        if (rest.startsWith("=")) {
            return new RowFilter(col, "=", rest.substring(1), null);
        }
        if (rest.startsWith("~")) {
            try {
                return new RowFilter(col, "~", rest.substring(1), Pattern.compile(rest.substring(1)));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad regex in filter '" + expr + "': " + e.getDescription(), e);
            }
        }
        throw new IllegalArgumentException("bad filter '" + expr + "': use COL=VALUE, COL!=VALUE or COL~REGEX");
    }

    /** {@code row} maps upper-case column names to cell text. */
    public boolean matches(Map<String, String> row) {
        String cell = row.getOrDefault(column, "").trim();
        return switch (op) {
            case "=" -> cell.equals(value);
            case "!=" -> !cell.equals(value);
            default -> regex.matcher(cell).find();
        };
    }

    /** {@code --search}: case-insensitive substring of any cell. */
    public static boolean search(String text, List<String> cells) {
        String needle = text.toLowerCase(Locale.ROOT);
        return cells.stream().anyMatch(c -> c.toLowerCase(Locale.ROOT).contains(needle));
    }
}
