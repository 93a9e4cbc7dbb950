package dev.nimbo.server.auth.ldap;

import dev.nimbo.server.config.Section;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code ldap} driver's configuration, in OpenNebula's {@code ldap_auth.conf} shape: every key other than
 * {@code order} and {@code match_user_regex} is a server; {@code order} lists server names or lists of names
 * (an availability group: tried in turn only while the previous one cannot be reached);
 * {@code match_user_regex} instead picks the servers by the login (the first capture group, if any, is the
 * name searched). {@code cache} (Nimbo's: seconds, default 60) is how long a successful check of the same
 * user and password is trusted before the directory is asked again. Immutable.
 */
public record LdapConfig(Map<String, LdapServer> servers, List<List<String>> order, List<Route> routes,
                         Duration cache) {

    /** One match_user_regex entry. */
    public record Route(Pattern pattern, List<String> servers) {
    }

    public static LdapConfig from(Section s, Path configDir) {
        Map<String, LdapServer> servers = new LinkedHashMap<>();
        for (String key : s.values().keySet()) {
            if (!key.equals("order") && !key.equals("match_user_regex") && !key.equals("cache")) {
                servers.put(key, LdapServer.from(key, s.section(key), configDir));
            }
        }
        if (servers.isEmpty()) {
            throw new Section.ConfigException(s.name("") + ": no LDAP server configured");
        }
        List<List<String>> order = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        if (s.has("order") && s.has("match_user_regex")) {
            throw new Section.ConfigException(s.name("order") + " and match_user_regex are mutually exclusive");
        }
        if (s.has("match_user_regex")) {
            Section m = s.section("match_user_regex");
            for (String regex : m.values().keySet()) {
                try {
                    routes.add(new Route(Pattern.compile(regex, Pattern.CASE_INSENSITIVE), names(m.raw(regex), m.name(regex), servers)));
                } catch (PatternSyntaxException e) {
                    throw new Section.ConfigException(m.name(regex) + ": bad regular expression: " + e.getDescription());
                }
            }
        } else if (s.has("order")) {
            if (!(s.raw("order") instanceof List<?> items)) {
                throw new Section.ConfigException(s.name("order") + " must be a list");
            }
            for (Object item : items) {
                order.add(names(item, s.name("order"), servers));
            }
        } else {
            for (String name : servers.keySet()) {
                order.add(List.of(name));
            }
        }
        return new LdapConfig(Map.copyOf(servers), List.copyOf(order), List.copyOf(routes),
                s.seconds("cache", Duration.ofSeconds(60)));
    }

    private static List<String> names(Object item, String where, Map<String, LdapServer> servers) {
        List<String> out = new ArrayList<>();
        if (item instanceof String name) {
            out.add(name);
        } else if (item instanceof List<?> l) {
            for (Object o : l) {
                out.add(String.valueOf(o));
            }
        } else {
            throw new Section.ConfigException(where + ": expected a server name or a list of names");
        }
        for (String n : out) {
            if (!servers.containsKey(n)) {
                throw new Section.ConfigException(where + ": unknown LDAP server '" + n + "'");
            }
        }
        return List.copyOf(out);
    }

    /** The servers to try for a login, and the name to search for, as the configuration routes it. */
    record Plan(List<List<LdapServer>> groups, String searchName, boolean keepLogin) {
    }

    Plan plan(String login) {
        List<List<LdapServer>> groups = new ArrayList<>();
        if (!routes.isEmpty()) {
            for (Route r : routes) {
                var m = r.pattern().matcher(login);
                if (m.find()) {
                    groups.add(r.servers().stream().map(servers::get).toList());
                    String name = m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : login;
                    return new Plan(groups, name, true);
                }
            }
            return new Plan(List.of(), login, true);
        }
        for (List<String> g : order) {
            groups.add(g.stream().map(servers::get).toList());
        }
        return new Plan(groups, login, false);
    }
}
