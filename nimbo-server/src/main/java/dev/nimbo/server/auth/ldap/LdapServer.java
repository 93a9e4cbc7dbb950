package dev.nimbo.server.auth.ldap;

import dev.nimbo.server.config.Section;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One LDAP/AD server's settings, named and spelled as in OpenNebula's {@code ldap_auth.conf} (Ruby-symbol keys
 * are read without their colon), plus {@code ca_file} (PEM CAs trusted for TLS; the JVM's otherwise) and
 * {@code upn_field} (AD: the attribute searched when the login contains {@code @}, e.g. userPrincipalName).
 * {@code group_admin_group_dn}: members of that LDAP group administer every Nimbo group they are mapped to.
 * Immutable.
 */
public record LdapServer(String name, String host, int port, Encryption encryption, Path caFile, Duration timeout,
                         String bindDn, String bindPassword, String base, String groupBase, String requiredGroup,
                         String userField, String upnField, String userGroupField, String groupField, boolean rfc2307bis,
                         Path mappingFile, String mappingKey, Integer mappingDefault, String groupAdminGroupDn) {

    /** none: plain LDAP; simple_tls: LDAPS (TLS from the first byte); start_tls: plain, then StartTLS. */
    public enum Encryption { NONE, SIMPLE_TLS, START_TLS }

    @Override
    public String toString() {
        return "LdapServer[" + name + " " + host + ":" + port + " " + encryption + "]"; // never the bind password
    }

    static LdapServer from(String name, Section s, Path configDir) {
        if (!s.string("auth_method", "simple").equals("simple")) {
            throw new Section.ConfigException(s.name("auth_method") + ": only simple is supported");
        }
        Encryption enc = switch (s.string("encryption", "none")) {
            case "none", "plain" -> Encryption.NONE;
            case "simple_tls", "ldaps" -> Encryption.SIMPLE_TLS;
            case "start_tls", "starttls" -> Encryption.START_TLS;
            default -> throw new Section.ConfigException(s.name("encryption") + " must be simple_tls or start_tls, got '"
                    + s.string("encryption", "") + "'");
        };
        String base = s.string("base", null);
        if (base == null) {
            throw new Section.ConfigException(s.name("base") + " is required (where users are searched)");
        }
        String mapping = s.string("mapping_file", s.string("mapping_filename", null));
        String dflt = s.string("mapping_default", "1");
        Integer mappingDefault;
        if (dflt.equals("false")) {
            mappingDefault = null;
        } else {
            try {
                mappingDefault = Integer.parseInt(dflt.strip());
            } catch (NumberFormatException e) {
                throw new Section.ConfigException(s.name("mapping_default") + " must be a group ID or false, got '" + dflt + "'");
            }
        }
        String ca = s.string("ca_file", null);
        return new LdapServer(name, s.string("host", "localhost"),
                s.integer("port", enc == Encryption.SIMPLE_TLS ? 636 : 389), enc,
                ca == null ? null : configDir.resolve(ca), s.seconds("timeout", Duration.ofSeconds(15)),
                s.string("user", null), s.string("password", null), base, s.string("group_base", null),
                s.string("group", null), s.string("user_field", "cn"), s.string("upn_field", null),
                s.string("user_group_field", "dn"), s.string("group_field", "member"), s.bool("rfc2307bis", true),
                mapping == null ? null : configDir.resolve(mapping), s.string("mapping_key", "GROUP_DN"), mappingDefault,
                s.string("group_admin_group_dn", null));
    }
}
