package dev.nimbo.cli.xml;

/**
 * Prints a TEMPLATE element in OpenNebula's text syntax ({@code KEY="value"}, vectors as
 * {@code KEY=[ A="x", B="y" ]}) for show output and for the file handed to {@code $EDITOR}, so what the
 * user edits is exactly what {@code update} sends back.
 */
public final class TemplateText {
    private TemplateText() {}

    public static String render(XmlNode template) {
        StringBuilder out = new StringBuilder();
        if (template == null) {
            return "";
        }
        for (XmlNode attr : template.children()) {
            out.append(attr.name()).append('=');
            if (attr.isLeaf()) {
                out.append(quote(attr.element().getTextContent()));
            } else {
                out.append("[\n");
                var parts = attr.children();
                for (int i = 0; i < parts.size(); i++) {
                    XmlNode p = parts.get(i);
                    out.append("  ").append(p.name()).append('=').append(quote(p.element().getTextContent()));
                    out.append(i + 1 < parts.size() ? ",\n" : " ]");
                }
                if (parts.isEmpty()) {
                    out.append(" ]");
                }
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Double-quoted value with {@code \} and {@code "} escaped, as the template parser reads them. */
    public static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
