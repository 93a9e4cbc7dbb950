package dev.nimbo.cli.output;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders rows as an aligned text table that fits {@code maxWidth} columns of the terminal (0: no
 * limit, e.g. when piped). When too wide, "expand" columns (names, endpoints, free text) give up
 * width first, then the others, never below their header; cut cells end in {@code ~}.
 */
public final class Table {
    private static final int MIN_WIDTH = 3;

    /** A header with its alignment; {@code expand} marks columns whose content may be cut first. */
    public record Header(String name, boolean right, boolean expand) {}

    private Table() {}

    public static String render(List<Header> headers, List<List<String>> rows, int maxWidth, boolean showHeader) {
        int n = headers.size();
        int[] width = new int[n];
        for (int i = 0; i < n; i++) {
            width[i] = showHeader ? headers.get(i).name().length() : 0;
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        if (maxWidth > 0) {
            fit(headers, width, maxWidth, showHeader);
        }
        StringBuilder out = new StringBuilder();
        List<List<String>> lines = new ArrayList<>();
        if (showHeader) {
            lines.add(headers.stream().map(Header::name).toList());
        }
        lines.addAll(rows);
        for (List<String> row : lines) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    line.append(' ');
                }
                String cell = cut(row.get(i), width[i]);
                String pad = " ".repeat(width[i] - cell.length());
                line.append(headers.get(i).right() ? pad + cell : cell + pad);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static void fit(List<Header> headers, int[] width, int maxWidth, boolean showHeader) {
        int total = total(width);
        // first pass: only expandable columns shrink; second: every column down to its header
        for (int pass = 0; pass < 2 && total > maxWidth; pass++) {
            boolean shrunk = true;
            while (total > maxWidth && shrunk) {
                shrunk = false;
                int widest = -1;
                for (int i = 0; i < width.length; i++) {
                    if ((pass == 1 || headers.get(i).expand()) && width[i] > floor(headers.get(i), showHeader)
                            && (widest < 0 || width[i] > width[widest])) {
                        widest = i;
                    }
                }
                if (widest >= 0) {
                    width[widest]--;
                    total--;
                    shrunk = true;
                }
            }
        }
    }

    private static int floor(Header h, boolean showHeader) {
        return Math.max(MIN_WIDTH, showHeader ? h.name().length() : 0);
    }

    private static int total(int[] width) {
        int t = Math.max(0, width.length - 1);
        for (int w : width) {
            t += w;
        }
        return t;
    }

    static String cut(String s, int width) {
        if (s.length() <= width) {
            return s;
        }
        return width <= 1 ? s.substring(0, width) : s.substring(0, width - 1) + "~";
    }
}
