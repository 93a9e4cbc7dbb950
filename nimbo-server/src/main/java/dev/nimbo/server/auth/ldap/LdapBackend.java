package dev.nimbo.server.auth.ldap;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.core.user.User;
import dev.nimbo.server.auth.AuthBackend;
import dev.nimbo.server.auth.AuthFailure;
import dev.nimbo.server.auth.Credentials;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ldap} driver (LDAP and Active Directory) with OpenNebula's semantics: for each entry of the
 * configured order, bind with the service account (or anonymously), search the login under {@code base} by
 * {@code user_field} (AD: sAMAccountName; a login with {@code @} by {@code upn_field}, e.g. userPrincipalName;
 * a DN is read directly), check the optional required group, then bind as the user with the password. Servers of
 * one availability group are tried in turn only while they cannot be reached; a user not found or a wrong
 * password moves on to the next entry of the order. The user's LDAP groups (memberOf with {@code rfc2307bis},
 * else a search of {@code group_field} under {@code group_base}) map to Nimbo groups; with none mapped the user
 * gets {@code mapping_default}, or is refused when that is false. Nimbo names the user by its
 * {@code user_field} value in lower case (or the whole login when routed by match_user_regex), stores its DN
 * as PASSWORD, and replaces its groups with the mapped ones at each login (and, with
 * {@code group_admin_group_dn}, which of them it administers). Thread-safe: one short-lived
 * connection per check; successful checks are trusted for {@code cache}.
 */
public final class LdapBackend implements AuthBackend {
    public static final String DRIVER = "ldap";
    private static final Logger log = LoggerFactory.getLogger(LdapBackend.class);

    private final LdapConfig config;
    private final Map<String, GroupMapping> mappings = new HashMap<>();
    private final Clock clock;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(long until, Identity identity) {
    }

    public LdapBackend(LdapConfig config, ObjectsView view, Clock clock) {
        this.config = config;
        this.clock = clock;
        for (LdapServer s : config.servers().values()) {
            mappings.put(s.name(), new GroupMapping(s, view));
        }
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public Outcome verify(User user, Credentials c) {
        Identity id = lookup(c.withUserName(user.name()));
        if (!id.name().equals(user.name())) {
            // the directory answers for another entry than the one this user was created from
            throw new AuthFailure("LDAP entry for " + user.name() + " is now named " + id.name());
        }
        return new Outcome(id.groups(), id.adminOf());
    }

    @Override
    public Optional<Identity> discover(Credentials c) {
        return Optional.of(lookup(c));
    }

    private Identity lookup(Credentials c) {
        String login = c.userName();
        if (c.secret().isEmpty()) {
            // an empty password is an anonymous bind, which most servers accept: never a login
            throw new AuthFailure("empty LDAP password");
        }
        String key = login.toLowerCase(Locale.ROOT) + "\u0000" + PasswordHasher.sha256Hex(c.secret());
        long now = clock.millis();
        Cached hit = cache.get(key);
        if (hit != null && hit.until > now) {
            return hit.identity;
        }
        Identity id = authenticate(login, c.secret());
        if (cache.size() > 10_000) {
            cache.clear();
        }
        cache.put(key, new Cached(now + config.cache().toMillis(), id));
        return id;
    }

    private Identity authenticate(String login, String password) {
        LdapConfig.Plan plan = config.plan(login);
        if (plan.groups().isEmpty()) {
            throw new AuthFailure("login matches no LDAP server");
        }
        String why = "no LDAP server answered";
        boolean answered = false;
        for (List<LdapServer> group : plan.groups()) {
            for (LdapServer server : group) {
                try {
                    return attempt(server, plan, login, password);
                } catch (AuthFailure f) {
                    why = f.getMessage();
                    answered = true;
                    break; // the directory answered: try the next entry of the order, not a replica
                } catch (LDAPException | GeneralSecurityException e) {
                    why = "LDAP server " + server.name() + " (" + server.host() + ":" + server.port() + ") failed: "
                            + e.getMessage();
                    log.warn("{}; trying the next one", why);
                }
            }
        }
        throw answered ? new AuthFailure(why) : AuthFailure.unavailable(why);
    }

    private Identity attempt(LdapServer s, LdapConfig.Plan plan, String login, String password)
            throws LDAPException, GeneralSecurityException {
        try (LDAPConnection conn = connect(s)) {
            if (s.bindDn() != null) {
                conn.bind(s.bindDn(), s.bindPassword() == null ? "" : s.bindPassword());
            }
            SearchResultEntry entry = findUser(conn, s, plan.searchName());
            if (entry == null) {
                throw new AuthFailure("user not found in LDAP server " + s.name());
            }
            List<String> memberOf = values(entry, "memberOf");
            if (s.requiredGroup() != null && !inGroup(conn, s, entry, memberOf, s.requiredGroup())) {
                throw new AuthFailure("user is not in the required LDAP group of server " + s.name());
            }
            try {
                conn.bind(entry.getDN(), password);
            } catch (LDAPException e) {
                if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
                    throw new AuthFailure("wrong LDAP password (server " + s.name() + ")");
                }
                throw e;
            }
            // group searches run as the service account again, not with the user's rights
            if (s.bindDn() != null) {
                conn.bind(s.bindDn(), s.bindPassword() == null ? "" : s.bindPassword());
            }
            List<String> dns = groupDns(conn, s, entry, memberOf);
            List<Integer> groups = mappings.get(s.name()).groupsFor(dns);
            List<Integer> adminOf = null;
            if (s.groupAdminGroupDn() != null) {
                String admins = GroupMapping.normalize(s.groupAdminGroupDn());
                boolean admin = dns.stream().anyMatch(d -> GroupMapping.normalize(d).equals(admins));
                adminOf = admin ? List.copyOf(groups) : List.of(); // of the mapped groups only, not the default
            }
            if (groups.isEmpty()) {
                if (s.mappingDefault() == null) {
                    throw new AuthFailure("user belongs to no mapped group (server " + s.name() + ")");
                }
                groups = List.of(s.mappingDefault());
            }
            String name = plan.keepLogin() ? login : entry.getAttributeValue(s.userField());
            if (name == null || name.isBlank()) {
                throw new AuthFailure("LDAP entry " + entry.getDN() + " has no " + s.userField());
            }
            return new Identity(name.strip().toLowerCase(Locale.ROOT), entry.getDN(), groups, adminOf);
        }
    }

    private static LDAPConnection connect(LdapServer s) throws LDAPException, GeneralSecurityException {
        LDAPConnectionOptions opts = new LDAPConnectionOptions();
        int ms = (int) Math.min(Integer.MAX_VALUE, s.timeout().toMillis());
        opts.setConnectTimeoutMillis(ms);
        opts.setResponseTimeoutMillis(ms);
        if (s.encryption() == LdapServer.Encryption.NONE) {
            return new LDAPConnection(opts, s.host(), s.port());
        }
        opts.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        TrustManager trust = s.caFile() == null ? JVMDefaultTrustManager.getInstance()
                : new PEMFileTrustManager(s.caFile().toFile());
        SSLUtil ssl = new SSLUtil(trust);
        if (s.encryption() == LdapServer.Encryption.SIMPLE_TLS) {
            return new LDAPConnection(ssl.createSSLSocketFactory(), opts, s.host(), s.port());
        }
        LDAPConnection conn = new LDAPConnection(opts, s.host(), s.port());
        try {
            ExtendedResult r = conn.processExtendedOperation(new StartTLSExtendedRequest(ssl.createSSLContext()));
            if (r.getResultCode() != ResultCode.SUCCESS) {
                throw new LDAPException(r.getResultCode(), "StartTLS refused: " + r.getDiagnosticMessage());
            }
            return conn;
        } catch (LDAPException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    private static SearchResultEntry findUser(LDAPConnection conn, LdapServer s, String name) throws LDAPException {
        List<String> attrs = new ArrayList<>(List.of("memberOf", s.userField()));
        if (!s.userGroupField().equalsIgnoreCase("dn")) {
            attrs.add(s.userGroupField());
        }
        String field = s.upnField() != null && name.contains("@") ? s.upnField() : s.userField();
        SearchResult r = conn.search(s.base(), SearchScope.SUB, Filter.createEqualityFilter(field, name),
                attrs.toArray(String[]::new));
        if (r.getEntryCount() > 1) {
            throw new AuthFailure(r.getEntryCount() + " LDAP entries match " + field + " (server " + s.name() + ")");
        }
        if (r.getEntryCount() == 1) {
            return r.getSearchEntries().get(0);
        }
        if (DN.isValidDN(name) && name.contains("=")) {
            DN dn = new DN(name);
            if (dn.isDescendantOf(new DN(s.base()), true)) {
                return conn.getEntry(name, attrs.toArray(String[]::new));
            }
        }
        return null;
    }

    private static boolean inGroup(LDAPConnection conn, LdapServer s, SearchResultEntry user, List<String> memberOf,
                                   String groupDn) throws LDAPException {
        if (s.rfc2307bis()) {
            String want = GroupMapping.normalize(groupDn);
            return memberOf.stream().anyMatch(g -> GroupMapping.normalize(g).equals(want));
        }
        SearchResult r = conn.search(groupDn, SearchScope.BASE, memberFilter(s, user), "1.1");
        return r.getEntryCount() > 0;
    }

    private static List<String> groupDns(LDAPConnection conn, LdapServer s, SearchResultEntry user,
                                         List<String> memberOf) throws LDAPException {
        if (s.rfc2307bis()) {
            return memberOf;
        }
        String base = s.groupBase() != null ? s.groupBase() : s.base();
        List<String> out = new ArrayList<>();
        for (SearchResultEntry g : conn.search(base, SearchScope.SUB, memberFilter(s, user), "1.1").getSearchEntries()) {
            out.add(g.getDN());
        }
        return out;
    }

    /** (group_field=value of user_group_field): member=DN by default, memberUid=uid for RFC 2307 groups. */
    private static Filter memberFilter(LdapServer s, SearchResultEntry user) {
        String value = s.userGroupField().equalsIgnoreCase("dn") ? user.getDN() : user.getAttributeValue(s.userGroupField());
        if (value == null) {
            throw new AuthFailure("LDAP entry " + user.getDN() + " has no " + s.userGroupField());
        }
        return Filter.createEqualityFilter(s.groupField(), value);
    }

    private static List<String> values(SearchResultEntry e, String attr) {
        String[] v = e.getAttributeValues(attr);
        return v == null ? List.of() : List.copyOf(new LinkedHashSet<>(List.of(v)));
    }
}
