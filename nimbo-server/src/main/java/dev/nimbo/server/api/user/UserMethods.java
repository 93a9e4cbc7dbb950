package dev.nimbo.server.api.user;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.LoginToken;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.core.user.User;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.QuotaPools;
import dev.nimbo.server.api.PoolQuery;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.auth.DriverSecrets;
import dev.nimbo.server.bootstrap.Bootstrap;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;

/**
 * one.user.* and one.userpool.info. Permission levels as OpenNebula's: info USE; passwd, update, login,
 * chgrp, addgroup, delgroup MANAGE; chauth, quota, enable, delete ADMIN; allocate CREATE.
 */
public final class UserMethods {
    /** Tokens a user may hold at once; old expired ones are pruned on every login. */
    static final int MAX_TOKENS = 32;

    private UserMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.user.allocate", UserMethods::allocate);
        r.register("one.user.delete", UserMethods::delete);
        r.register("one.user.passwd", UserMethods::passwd);
        r.register("one.user.login", UserMethods::login);
        r.register("one.user.update", c -> SharedMethods.updateTemplate(c, ObjectType.USER, Right.MANAGE));
        r.register("one.user.chauth", UserMethods::chauth);
        r.register("one.user.quota", UserMethods::quota);
        r.register("one.user.chgrp", UserMethods::chgrp);
        r.register("one.user.addgroup", UserMethods::addgroup);
        r.register("one.user.delgroup", UserMethods::delgroup);
        r.register("one.user.enable", UserMethods::enable);
        r.register("one.user.info", UserMethods::info);
        r.register("one.userpool.info", UserMethods::poolInfo);
    }

    static Object allocate(Call call) {
        call.params().arity(3, 4);
        String name = call.params().string(0);
        String password = call.params().string(1);
        String driver = call.params().string(2);
        List<Integer> gids = call.params().has(3) ? call.params().intArray(3) : List.of();
        if (driver.isEmpty()) {
            driver = User.CORE_DRIVER;
        }
        String problem = NameRules.problem(name, NameRules.USER_EXTRA_INVALID);
        if (problem == null && isPasswordDriver(driver)) {
            problem = passwordProblem(password);
        }
        String external = null;
        if (problem == null && !isPasswordDriver(driver)) {
            try {
                external = DriverSecrets.stored(driver, password);
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        if (problem != null) {
            throw ApiException.allocate("user", problem + ".");
        }
        List<Integer> groups = gids.isEmpty()
                ? List.of(call.subject().isOneadmin() ? Group.USERS_ID : call.subject().gid()) : gids;
        call.authorizeCreate(ObjectType.USER, -1, groups.get(0));
        for (int gid : new LinkedHashSet<>(groups)) {
            Group g = (Group) call.ctx().view().get(ObjectType.GROUP, gid);
            if (g == null) {
                throw new ApiException(ErrorCode.ALLOCATE,
                        "Error allocating a new user. The array of groups needs to have at least a valid Group ID.", gid);
            }
            if (!call.subject().isOneadmin()) {
                call.authorize(Right.MANAGE, g);
            }
        }
        // The KDF is slow: run it on the request thread, never on the single writer.
        String stored = isPasswordDriver(driver) ? call.ctx().hasher().hash(password) : external;
        String finalDriver = driver;
        return call.write(tx -> UserWrites.insert(tx, name, stored, finalDriver, groups));
    }

    /** Drivers whose secret is a password Nimbo verifies itself, so it must be valid and is stored hashed. */
    static boolean isPasswordDriver(String driver) {
        return driver.equals(User.CORE_DRIVER) || driver.equals(User.SERVER_CIPHER_DRIVER);
    }

    /** An external driver's secret, validated and normalised; invalid ones are an ACTION error. */
    private static String externalSecret(Call call, String driver, String secret, int id) {
        try {
            return DriverSecrets.stored(driver, secret);
        } catch (IllegalArgumentException e) {
            throw ApiException.action("[" + call.method() + "] " + e.getMessage() + ".", id);
        }
    }

    static String passwordProblem(String password) {
        if (password.isEmpty()) {
            return "Invalid password, it cannot be empty";
        }
        for (int i = 0; i < password.length(); i++) {
            char c = password.charAt(i);
            if (Character.isWhitespace(c)) {
                return "Invalid password, character '" + (c == ' ' ? " " : String.format("\\u%04x", (int) c)) + "' is not allowed";
            }
        }
        return null;
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            User u = tx.require(ObjectType.USER, id);
            call.authorize(Right.ADMIN, u);
            if (id == 0) {
                throw ApiException.action("[" + call.method() + "] oneadmin cannot be deleted.", id);
            }
            for (int gid : u.groups()) {
                Group g = (Group) tx.get(ObjectType.GROUP, gid);
                if (g != null) {
                    tx.put(g.withoutUser(id));
                }
            }
            // Rules that name this user (#uid) would otherwise grant rights to a future user with a reused ID.
            for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
                if (AclCleanup.userDeleted(id).test((AclRule) o)) {
                    tx.delete(ObjectType.ACL, o.id());
                }
            }
            tx.delete(ObjectType.USER, id);
            return id;
        });
    }

    static Object passwd(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        String password = call.params().string(1);
        User current = call.ctx().view().require(ObjectType.USER, id);
        call.authorize(Right.MANAGE, current);
        boolean external = DriverSecrets.changeable(current.authDriver());
        if (!isPasswordDriver(current.authDriver()) && !external) {
            throw ApiException.action("[" + call.method() + "] Password for driver " + current.authDriver()
                    + " cannot be changed.", id);
        }
        String stored = external ? externalSecret(call, current.authDriver(), password, id) : null;
        if (!external) {
            String problem = passwordProblem(password);
            if (problem != null) {
                throw ApiException.action("[" + call.method() + "] " + problem + ".", id);
            }
            stored = call.ctx().hasher().hash(password);
        }
        String finalStored = stored;
        return call.write(tx -> {
            User u = tx.require(ObjectType.USER, id);
            tx.put(u.withPassword(finalStored));
            return id;
        });
    }

    static Object chauth(Call call) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        String driver = call.params().string(1);
        String password = call.params().string(2);
        User current = call.ctx().view().require(ObjectType.USER, id);
        call.authorize(Right.ADMIN, current);
        if (driver.isEmpty()) {
            throw ApiException.action("[" + call.method() + "] The new authentication driver cannot be empty.", id);
        }
        String stored = null;
        if (!password.isEmpty()) {
            if (isPasswordDriver(driver)) {
                String problem = passwordProblem(password);
                if (problem != null) {
                    throw ApiException.action("[" + call.method() + "] " + problem + ".", id);
                }
                stored = call.ctx().hasher().hash(password);
            } else {
                stored = externalSecret(call, driver, password, id);
            }
        }
        String newSecret = stored;
        return call.write(tx -> {
            User u = tx.require(ObjectType.USER, id);
            tx.put(u.withAuth(driver, newSecret == null ? u.password() : newSecret));
            return id;
        });
    }

    static Object login(Call call) {
        call.params().arity(4, 4);
        String name = call.params().string(0);
        String token = call.params().string(1);
        long valid = call.params().longInteger(2);
        int egid = call.params().integer(3);
        String newToken = token.isEmpty() ? Bootstrap.randomSecret() + Bootstrap.randomSecret().substring(0, 8) : token;
        return call.write(tx -> {
            User u = (User) tx.byName(ObjectType.USER, -1, name);
            if (u == null) {
                throw new ApiException(ErrorCode.NO_EXISTS, "[" + call.method() + "] Error getting user " + name + ".");
            }
            call.authorize(Right.MANAGE, u);
            long now = tx.now();
            List<LoginToken> kept = new ArrayList<>();
            for (LoginToken t : u.tokens()) {
                if (!t.expiredAt(now)) {
                    kept.add(t);
                }
            }
            if (valid == 0) {
                if (token.isEmpty()) {
                    kept.clear();
                } else {
                    String digest = PasswordHasher.sha256Hex(token);
                    if (!kept.removeIf(t -> t.digest().equals(digest))) {
                        throw ApiException.api("[" + call.method() + "] Could not find token: " + token);
                    }
                }
                tx.put(u.withTokens(kept));
                return "";
            }
            if (valid < -1) {
                throw ApiException.api("[" + call.method() + "] Wrong valid period for token");
            }
            if (egid != -1 && !call.subject().isOneadmin()
                    && (!u.groups().contains(egid) || !call.subject().groupIds().contains(egid))) {
                throw ApiException.api("[" + call.method() + "] EGID is not in user group list");
            }
            if (egid == -1 && call.subject().uid() == u.id() && !u.groups().equals(call.subject().groupIds())) {
                throw ApiException.api("[" + call.method() + "] Cannot create a full token with a specific group token");
            }
            String digest = PasswordHasher.sha256Hex(newToken);
            kept.removeIf(t -> t.digest().equals(digest));
            if (kept.size() >= MAX_TOKENS) {
                throw ApiException.api("[" + call.method() + "] Max number of tokens limit reached.");
            }
            kept.add(new LoginToken(digest, valid == -1 ? -1 : now + valid, egid));
            tx.put(u.withTokens(kept));
            return newToken;
        });
    }

    static Object quota(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        return call.write(tx -> {
            User u = tx.require(ObjectType.USER, id);
            call.authorize(Right.ADMIN, u);
            if (id == 0) {
                throw ApiException.action("[" + call.method() + "] Cannot set quotas for oneadmin user", id);
            }
            tx.put(u.withQuotas(u.quotas().update(t)));
            return id;
        });
    }

    static Object chgrp(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int gid = call.params().integer(1);
        if (gid < 0) {
            throw ApiException.api("[" + call.method() + "] Wrong group ID");
        }
        return call.write(tx -> {
            User u = tx.require(ObjectType.USER, id);
            Group target = tx.require(ObjectType.GROUP, gid);
            call.authorize(Right.MANAGE, u);
            call.authorize(Right.USE, target);
            if (u.gid() == gid) {
                return id;
            }
            // As oned: moving to a group the user was not in replaces the old primary group; moving to one of
            // its secondary groups keeps the old primary as a secondary group.
            boolean wasMember = u.groups().contains(gid);
            User moved = u.withPrimaryGroup(gid, target.name());
            tx.put(target.withUser(id));
            if (!wasMember) {
                Group old = (Group) tx.get(ObjectType.GROUP, u.gid());
                TreeSet<Integer> groups = new TreeSet<>(moved.groups());
                groups.remove(u.gid());
                moved = moved.withGroups(groups);
                if (old != null) {
                    tx.put(old.withoutUser(id));
                }
            }
            tx.put(moved);
            return id;
        });
    }

    static Object addgroup(Call call) {
        return changeSecondaryGroup(call, true);
    }

    static Object delgroup(Call call) {
        return changeSecondaryGroup(call, false);
    }

    /** addgroup/delgroup: MANAGE on both the user and the group; the primary group is never removed. */
    private static Object changeSecondaryGroup(Call call, boolean add) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int gid = call.params().integer(1);
        return call.write(tx -> {
            User u = tx.require(ObjectType.USER, id);
            Group g = tx.require(ObjectType.GROUP, gid);
            call.authorize(Right.MANAGE, u);
            call.authorize(Right.MANAGE, g);
            boolean member = u.groups().contains(gid);
            if (add && member) {
                throw ApiException.action("[" + call.method() + "] User is already in this group", id);
            }
            if (!add && !member) {
                throw ApiException.action("[" + call.method() + "] User is not part of this group", id);
            }
            if (!add && u.gid() == gid) {
                throw ApiException.action("[" + call.method() + "] Cannot remove user from the primary group", id);
            }
            TreeSet<Integer> groups = new TreeSet<>(u.groups());
            if (add) {
                groups.add(gid);
            } else {
                groups.remove(gid);
            }
            tx.put(u.withGroups(groups));
            tx.put(add ? g.withUser(id) : g.withoutUser(id));
            return id;
        });
    }

    static Object enable(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        boolean on = call.params().bool(1);
        return call.write(tx -> {
            User u = tx.require(ObjectType.USER, id);
            call.authorize(Right.ADMIN, u);
            if (id == 0) {
                throw ApiException.action("[" + call.method() + "] Cannot enable/disable oneadmin user", id);
            }
            tx.put(u.withEnabled(on));
            return id;
        });
    }

    static Object info(Call call) {
        call.params().arity(1, 2);
        int requested = call.params().integer(0);
        int id = requested == -1 ? call.subject().uid() : requested;
        User u = call.ctx().view().require(ObjectType.USER, id);
        call.authorize(Right.USE, u);
        XmlWriter w = new XmlWriter(new StringBuilder(1024));
        w.open("USER");
        u.writeBody(w);
        u.quotas().writeXml(w);
        call.ctx().defaultUserQuotas().writeXml(w);
        w.close("USER");
        return w.toString();
    }

    static Object poolInfo(Call call) {
        call.params().arity(0, 0);
        List<PoolObject> users = PoolQuery.visible(call, ObjectType.USER);
        return QuotaPools.write("USER_POOL", "USER", users, (o, w) -> ((User) o).writeBody(w),
                o -> ((User) o).quotas(), call.ctx().defaultUserQuotas());
    }

}
