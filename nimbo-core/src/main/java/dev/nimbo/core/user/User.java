package dev.nimbo.core.user;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.Templated;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A user (user.xsd). Its primary group is {@code gid}; {@code groups} holds every group it belongs to,
 * the primary one included. {@code password} is a KDF string from {@link PasswordHasher} for the core
 * driver, or whatever an external driver keeps. Immutable.
 */
public record User(int id, String name, int gid, String gname, SortedSet<Integer> groups, String password,
                   String authDriver, boolean enabled, List<LoginToken> tokens, Template template, QuotaSet quotas)
        implements Templated<User> {

    public static final String CORE_DRIVER = "core";
    public static final String SERVER_CIPHER_DRIVER = "server_cipher";

    public User {
        groups = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(groups));
        tokens = List.copyOf(tokens);
    }

    @Override
    public ObjectType type() {
        return ObjectType.USER;
    }

    @Override
    public int uid() {
        return id;
    }

    /** Users are owned by themselves: owner may use/manage, as oned renders for auth purposes. */
    @Override
    public Permissions permissions() {
        return new Permissions(0600);
    }

    public boolean isOneadmin() {
        return id == 0 || groups.contains(0);
    }

    public User withPassword(String kdf) {
        return new User(id, name, gid, gname, groups, kdf, authDriver, enabled, tokens, template, quotas);
    }

    public User withAuth(String driver, String kdfOrSecret) {
        return new User(id, name, gid, gname, groups, kdfOrSecret, driver, enabled, tokens, template, quotas);
    }

    public User withEnabled(boolean on) {
        return new User(id, name, gid, gname, groups, password, authDriver, on, tokens, template, quotas);
    }

    public User withTokens(List<LoginToken> newTokens) {
        return new User(id, name, gid, gname, groups, password, authDriver, enabled, newTokens, template, quotas);
    }

    @Override
    public User withTemplate(Template t) {
        return new User(id, name, gid, gname, groups, password, authDriver, enabled, tokens, t, quotas);
    }

    public User withQuotas(QuotaSet q) {
        return new User(id, name, gid, gname, groups, password, authDriver, enabled, tokens, template, q);
    }

    public User withName(String newName) {
        return new User(id, newName, gid, gname, groups, password, authDriver, enabled, tokens, template, quotas);
    }

    /** Changes the primary group; the new group joins the set, the old one stays as a secondary group. */
    public User withPrimaryGroup(int newGid, String newGname) {
        SortedSet<Integer> g = new TreeSet<>(groups);
        g.add(newGid);
        return new User(id, name, newGid, newGname, g, password, authDriver, enabled, tokens, template, quotas);
    }

    public User withGroups(SortedSet<Integer> g) {
        return new User(id, name, gid, gname, g, password, authDriver, enabled, tokens, template, quotas);
    }

    /** The stored document: everything but the system default quotas, which are rendered at read time. */
    @Override
    public void writeXml(XmlWriter w) {
        w.open("USER");
        writeBody(w);
        quotas.writeXml(w);
        w.close("USER");
    }

    /** The fields the pool listing shows for each user (no quotas: the pool lists them apart). */
    public void writeBody(XmlWriter w) {
        w.element("ID", id).element("GID", gid).open("GROUPS");
        for (int g : groups) {
            w.element("ID", g);
        }
        w.close("GROUPS").element("GNAME", gname).element("NAME", name).element("PASSWORD", password)
                .element("AUTH_DRIVER", authDriver).element("ENABLED", enabled ? 1 : 0);
        for (LoginToken t : tokens) {
            w.open("LOGIN_TOKEN").element("TOKEN", t.digest()).element("EXPIRATION_TIME", t.expiration())
                    .element("EGID", t.egid()).close("LOGIN_TOKEN");
        }
        template.writeXml(w);
    }

    public static User fromXml(XmlNode u) {
        SortedSet<Integer> groups = new TreeSet<>();
        XmlNode gs = u.child("GROUPS");
        if (gs != null) {
            for (XmlNode g : gs.all("ID")) {
                groups.add(Integer.parseInt(g.text().strip()));
            }
        }
        List<LoginToken> tokens = new ArrayList<>();
        for (XmlNode t : u.all("LOGIN_TOKEN")) {
            tokens.add(new LoginToken(t.text("TOKEN"), t.longValue("EXPIRATION_TIME", -1), t.integer("EGID", -1)));
        }
        XmlNode tmpl = u.child("TEMPLATE");
        return new User(u.integer("ID", -1), u.text("NAME"), u.integer("GID", 1), u.text("GNAME"), groups,
                u.text("PASSWORD"), u.text("AUTH_DRIVER", CORE_DRIVER), u.integer("ENABLED", 1) == 1, tokens,
                tmpl == null ? Template.EMPTY : Template.fromXml(tmpl), QuotaSet.fromXml(u));
    }
}
