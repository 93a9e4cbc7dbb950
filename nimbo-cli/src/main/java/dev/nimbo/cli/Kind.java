package dev.nimbo.cli;

import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.xml.XmlNode;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the generic list/show/resolve code needs to know about one object family: its pool and info
 * methods, the item element of its pool document and its list columns. A new family declares one of
 * these and gets {@code list}, {@code show} and name→ID resolution from {@link Family}.
 *
 * @param poolArgs parameters after the session for the pool call (e.g. {@code -2, -1, -1} for VMs)
 * @param defaults the columns shown without {@code --list}
 */
public record Kind(String name, String poolMethod, List<Object> poolArgs, String infoMethod, String itemElement,
        List<Column> columns, List<String> defaults) {

    public Kind {
        poolArgs = List.copyOf(poolArgs);
        columns = List.copyOf(columns);
        defaults = List.copyOf(defaults);
    }

    public Object[] poolParams() {
        return poolArgs.toArray();
    }

    /** The column called {@code name} (any case), or null. */
    public Column column(String name) {
        for (Column c : columns) {
            if (c.name().equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        return null;
    }

    public String columnNames() {
        return columns.stream().map(Column::name).collect(Collectors.joining(", "));
    }

    /**
     * The ID for {@code token}: a number is taken as is, anything else is looked up by NAME in the
     * pool (one extra call). Unknown or ambiguous names are errors naming the candidates.
     */
    public int resolve(Api api, String token) {
        String t = token.trim();
        if (t.matches("-?\\d+")) {
            try {
                return Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw CliException.usage(name + " ID out of range: " + t);
            }
        }
        return resolveIn(api.xml(poolMethod, poolParams()), t);
    }

    /** Name lookup in an already fetched pool document. */
    public int resolveIn(XmlNode pool, String nameToFind) {
        List<XmlNode> hits = pool.children(itemElement).stream()
                .filter(item -> item.text("NAME").equals(nameToFind))
                .toList();
        if (hits.isEmpty()) {
            throw CliException.server(name + " '" + nameToFind + "' not found");
        }
        if (hits.size() > 1) {
            String ids = hits.stream().map(h -> h.text("ID")).collect(Collectors.joining(", "));
            throw CliException.server("several " + plural() + " are named '" + nameToFind + "' (IDs " + ids
                    + "); give the ID");
        }
        try {
            return Integer.parseInt(hits.get(0).text("ID"));
        } catch (NumberFormatException e) {
            throw CliException.server(name + " '" + nameToFind + "' has no numeric ID in the pool");
        }
    }

    String plural() {
        return name.toLowerCase(Locale.ROOT) + "s";
    }
}
