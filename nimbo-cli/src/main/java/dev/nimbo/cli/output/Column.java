package dev.nimbo.cli.output;

import dev.nimbo.cli.xml.XmlNode;

/**
 * One list column: its header, alignment, whether it may be cut first when the terminal is narrow,
 * and how to compute its cell from a pool item (and the pool document, for pool-wide data such as
 * the QUOTAS entries and default quotas of a user pool).
 */
public record Column(String name, boolean right, boolean expand, Cell cell) {

    @FunctionalInterface
    public interface Cell {
        String of(XmlNode item, PoolDoc pool);
    }

    /** Left-aligned column that is cut first when the table is too wide (names, free text). */
    public static Column wide(String name, Cell cell) {
        return new Column(name, false, true, cell);
    }

    public static Column left(String name, Cell cell) {
        return new Column(name, false, false, cell);
    }

    public static Column right(String name, Cell cell) {
        return new Column(name, true, false, cell);
    }

    /** Left-aligned column showing the text at {@code path} in the item. */
    public static Column text(String name, String path) {
        return left(name, (item, pool) -> item.text(path));
    }

    public Table.Header header() {
        return new Table.Header(name, right, expand);
    }
}
