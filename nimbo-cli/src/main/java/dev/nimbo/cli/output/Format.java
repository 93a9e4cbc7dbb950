package dev.nimbo.cli.output;

/** How results are printed: the human views, or one of the script formats. */
public enum Format {
    TABLE, XML, JSON, CSV
}
