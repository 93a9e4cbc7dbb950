package dev.nimbo.server.auth.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.OperationType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * A real LDAP server (UnboundID's in-memory directory) seeded with an OpenLDAP-style tree (dc=example,dc=org:
 * people with memberOf and groupOfNames/posixGroup groups) and an Active Directory-style tree
 * (dc=corp,dc=example,dc=com: sAMAccountName, userPrincipalName, memberOf). Searches need a bind, as on a
 * typical corporate server, so the service account is exercised. Schema checking is off so AD's attributes load.
 */
public final class TestDirectory implements AutoCloseable {
    public static final String BASE = "dc=example,dc=org";
    public static final String AD_BASE = "dc=corp,dc=example,dc=com";
    public static final String SERVICE_DN = "cn=svc,dc=example,dc=org";
    public static final String SERVICE_PASSWORD = "svc-secret-7781";
    public static final String DEVS = "cn=devs,ou=groups,dc=example,dc=org";
    public static final String OPS = "cn=ops,ou=groups,dc=example,dc=org";
    public static final String ENGINEERS = "CN=Engineers,OU=Groups,DC=corp,DC=example,DC=com";

    public final InMemoryDirectoryServer server;

    /** Plain LDAP only. */
    public TestDirectory() throws Exception {
        this(null);
    }

    /** With {@code tls} also an LDAPS listener and StartTLS on the plain one. */
    public TestDirectory(SSLContext tls) throws Exception {
        this(tls, 0);
    }

    /** Plain LDAP on a given port (0: any free one). */
    public TestDirectory(int port) throws Exception {
        this(null, port);
    }

    private TestDirectory(SSLContext tls, int port) throws Exception {
        InMemoryDirectoryServerConfig cfg = new InMemoryDirectoryServerConfig(BASE, AD_BASE);
        cfg.setSchema(null);
        cfg.setAuthenticationRequiredOperationTypes(EnumSet.of(OperationType.SEARCH, OperationType.COMPARE));
        List<InMemoryListenerConfig> listeners = new ArrayList<>();
        if (tls == null) {
            listeners.add(InMemoryListenerConfig.createLDAPConfig("ldap", port));
        } else {
            listeners.add(InMemoryListenerConfig.createLDAPConfig("ldap", null, 0, tls.getSocketFactory()));
            listeners.add(InMemoryListenerConfig.createLDAPSConfig("ldaps", null, 0, tls.getServerSocketFactory(), null));
        }
        cfg.setListenerConfigs(listeners);
        server = new InMemoryDirectoryServer(cfg);
        seed();
        server.startListening();
    }

    public int port() {
        return server.getListenPort("ldap");
    }

    public int ldapsPort() {
        return server.getListenPort("ldaps");
    }

    private void seed() throws Exception {
        add("dn: " + BASE, "objectClass: domain", "dc: example");
        add("dn: " + SERVICE_DN, "objectClass: person", "cn: svc", "sn: svc", "userPassword: " + SERVICE_PASSWORD);
        add("dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people");
        add("dn: ou=groups," + BASE, "objectClass: organizationalUnit", "ou: groups");
        person("alice", "alice-ldap-pw-3141", DEVS);
        person("bob", "bob-ldap-pw-2718", OPS);
        person("carol", "carol-ldap-pw-1618");
        person("erin", "erin-ldap-pw-5772", DEVS, OPS);
        add("dn: " + DEVS, "objectClass: groupOfNames", "cn: devs", "member: uid=alice,ou=people," + BASE,
                "member: uid=erin,ou=people," + BASE);
        add("dn: " + OPS, "objectClass: groupOfNames", "cn: ops", "member: uid=bob,ou=people," + BASE,
                "member: uid=erin,ou=people," + BASE);
        add("dn: cn=posix-devs,ou=groups," + BASE, "objectClass: posixGroup", "cn: posix-devs", "gidNumber: 5000",
                "memberUid: alice");

        add("dn: " + AD_BASE, "objectClass: domain", "dc: corp");
        add("dn: OU=Users," + AD_BASE, "objectClass: organizationalUnit", "ou: Users");
        add("dn: OU=Groups," + AD_BASE, "objectClass: organizationalUnit", "ou: Groups");
        add("dn: CN=Dave Smith,OU=Users," + AD_BASE, "objectClass: user", "cn: Dave Smith", "sAMAccountName: dave",
                "userPrincipalName: dave@corp.example.com", "memberOf: " + ENGINEERS, "userPassword: dave-ad-pw-1414");
        add("dn: " + ENGINEERS, "objectClass: group", "cn: Engineers", "member: CN=Dave Smith,OU=Users," + AD_BASE);
    }

    private void person(String uid, String password, String... groups) throws Exception {
        List<String> lines = new ArrayList<>(List.of("dn: uid=" + uid + ",ou=people," + BASE, "objectClass: inetOrgPerson",
                "uid: " + uid, "cn: " + uid, "sn: " + uid, "userPassword: " + password));
        for (String g : groups) {
            lines.add("memberOf: " + g);
        }
        add(lines.toArray(String[]::new));
    }

    public void add(String... ldif) throws Exception {
        server.add(ldif);
    }

    public void setMemberOf(String dn, String... groups) throws Exception {
        List<String> lines = new ArrayList<>(List.of("dn: " + dn, "changetype: modify", "replace: memberOf"));
        for (String g : groups) {
            lines.add("memberOf: " + g);
        }
        server.modify(lines.toArray(String[]::new));
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
