package dev.nimbo.server.auth;

import dev.nimbo.core.user.User;
import dev.nimbo.server.auth.ldap.LdapConfig;
import dev.nimbo.server.auth.throttle.LoginThrottle;
import dev.nimbo.server.config.ConfigFile;
import dev.nimbo.server.config.Section;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which authentication drivers this daemon accepts and how they are set up: the {@code auth} section of the
 * daemon's configuration file. {@code authn} is OpenNebula's AUTH_MAD AUTHN list (core is always on);
 * {@code default_auth} is DEFAULT_AUTH, the driver asked about logins Nimbo has no user for (only a driver that
 * can vouch for new users, ldap, makes a difference). Immutable.
 *
 * <pre>
 * auth:
 *   authn: [core, server_cipher, ssh, ldap]
 *   default_auth: ldap
 *   throttle: { see LoginThrottle }
 *   ldap:     { OpenNebula's ldap_auth.conf, or  ldap_file: /etc/one/auth/ldap_auth.conf }
 *   ssh:
 *     max_validity: 600      # seconds: the longest an SSH login token may be valid for
 *   x509:    { ca: FILE, crl: FILE }   (see X509Backend; needs the tls section)
 * </pre>
 */
public record AuthConfig(Set<String> authn, String defaultAuth, LoginThrottle.Settings throttle, LdapConfig ldap,
                         java.time.Duration sshMaxValidity, Path x509Ca, Path x509Crl) {

    /** Drivers Nimbo implements. {@code default} only marks DEFAULT_AUTH as accepted, as in oned.conf. */
    public static final List<String> KNOWN = List.of(User.CORE_DRIVER, User.SERVER_CIPHER_DRIVER, "ssh", "x509", "ldap",
            "default");

    public AuthConfig {
        authn = Set.copyOf(authn);
    }

    /** Without a configuration file: passwords and tokens (core), serveradmin (server_cipher) and SSH keys. */
    public static AuthConfig defaults() {
        return new AuthConfig(Set.of(User.CORE_DRIVER, User.SERVER_CIPHER_DRIVER, "ssh"), User.CORE_DRIVER,
                LoginThrottle.Settings.defaults(), null, java.time.Duration.ofMinutes(10), null, null);
    }

    public static AuthConfig from(Section s, Path configDir) {
        AuthConfig d = defaults();
        Set<String> authn = new LinkedHashSet<>();
        authn.add(User.CORE_DRIVER);
        List<String> listed = s.strings("authn");
        authn.addAll(listed.isEmpty() ? d.authn() : listed);
        for (String driver : authn) {
            if (!KNOWN.contains(driver)) {
                throw new Section.ConfigException(s.name("authn") + ": unknown driver '" + driver + "' (known: "
                        + String.join(", ", KNOWN) + ")");
            }
        }
        String defaultAuth = s.string("default_auth", User.CORE_DRIVER);
        if (!authn.contains(defaultAuth)) {
            throw new Section.ConfigException(s.name("default_auth") + ": driver '" + defaultAuth + "' is not in authn");
        }
        LdapConfig ldap = null;
        if (authn.contains("ldap")) {
            Section ls = s.section("ldap");
            String file = ls.string("ldap_file", null);
            if (file != null) {
                Path p = configDir.resolve(file);
                ls = new Section(s.name("ldap"), ConfigFile.read(p));
                ldap = LdapConfig.from(ls, p.getParent());
            } else {
                ldap = LdapConfig.from(ls, configDir);
            }
        }
        Path x509Ca = null;
        Path x509Crl = null;
        if (authn.contains("x509")) {
            Section xs = s.section("x509");
            String ca = xs.string("ca", null);
            if (ca == null) {
                throw new Section.ConfigException(xs.name("ca") + " is required when x509 is in authn");
            }
            x509Ca = configDir.resolve(ca);
            String crl = xs.string("crl", null);
            x509Crl = crl == null ? null : configDir.resolve(crl);
        }
        return new AuthConfig(authn, defaultAuth, LoginThrottle.Settings.from(s.section("throttle")), ldap,
                s.section("ssh").seconds("max_validity", d.sshMaxValidity()), x509Ca, x509Crl);
    }
}
