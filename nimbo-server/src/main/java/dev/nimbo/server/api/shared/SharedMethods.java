package dev.nimbo.server.api.shared;

import dev.nimbo.client.xmlrpc.EscapedText;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.Lockable;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.obj.Renamable;
import dev.nimbo.core.obj.SharedObject;
import dev.nimbo.core.obj.Templated;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.PoolQuery;
import dev.nimbo.server.api.Templates;
import java.util.List;

/**
 * The operations every owned object type shares, registered per type under its method prefix (e.g.
 * "one.document"): info, update, chmod, chown, rename, lock, unlock, and the pool listing. Types add their own
 * allocate/delete/clone. Behaviour follows OpenNebula's shared request handlers.
 */
public final class SharedMethods {
    private SharedMethods() {
    }

    /** Registers prefix.info/update/chmod/chown/rename/lock/unlock for objects of this type. */
    public static void register(ApiRegistry r, String prefix, ObjectType type) {
        r.register(prefix + ".info", c -> info(c, type));
        r.register(prefix + ".update", c -> updateTemplate(c, type, Right.MANAGE));
        r.register(prefix + ".chmod", c -> chmod(c, type));
        r.register(prefix + ".chown", c -> chown(c, type, OwnerMove.NOTHING));
        r.register(prefix + ".rename", c -> rename(c, type));
        r.register(prefix + ".lock", c -> lock(c, type));
        r.register(prefix + ".unlock", c -> unlock(c, type));
    }

    static Object info(Call call, ObjectType type) {
        call.params().arity(1, 2);
        PoolObject o = call.ctx().view().require(type, call.params().integer(0));
        call.authorizeIgnoringLock(Right.USE, o);
        return call.ctx().renders().object(o);
    }

    /**
     * The pool document for the objects a query selected, {@code <TYPE_POOL>…</TYPE_POOL>}, as an answer value
     * built from the render cache: it encodes exactly as {@link #poolXml(ObjectType, List)} does.
     */
    public static EscapedText poolXml(Call call, ObjectType type, List<PoolObject> objects) {
        return call.ctx().renders().pool(type.poolRoot(), objects);
    }

    /** The pool document rendered afresh as one String (what {@link #poolXml(Call, ObjectType, List)} caches). */
    public static String poolXml(ObjectType type, List<PoolObject> objects) {
        XmlWriter w = new XmlWriter(new StringBuilder(512 * (objects.size() + 1)));
        w.open(type.poolRoot());
        for (PoolObject o : objects) {
            o.writeXml(w);
        }
        w.close(type.poolRoot());
        return w.toString();
    }

    /** Standard pool info parameters: filter flag, start ID, end ID. */
    public static List<PoolObject> poolSelect(Call call, ObjectType type) {
        return PoolQuery.select(call, type, call.params().integer(0), call.params().integer(1), call.params().integer(2));
    }

    static SharedObject<?> require(Transaction tx, ObjectType type, int id) {
        return (SharedObject<?>) tx.<PoolObject>require(type, id);
    }

    /** one.*.update(id, template, 0 replace | 1 merge) for any templated object, needing {@code right} on it. */
    public static Object updateTemplate(Call call, ObjectType type, Right right) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        return call.write(tx -> {
            Templated<?> o = (Templated<?>) tx.<PoolObject>require(type, id);
            call.authorize(right, o);
            tx.put(o.withTemplate(o.template().update(t, merge)));
            return id;
        });
    }

    static Object chmod(Call call, ObjectType type) {
        call.params().arity(10, 10);
        int id = call.params().integer(0);
        int[] bits = new int[9];
        for (int i = 0; i < 9; i++) {
            bits[i] = call.params().integer(i + 1);
            if (bits[i] < -1 || bits[i] > 1) {
                throw ApiException.api("[" + call.method() + "] Permission values must be -1, 0 or 1.");
            }
        }
        return call.write(tx -> {
            SharedObject<?> o = require(tx, type, id);
            Permissions now = o.permissions();
            Permissions next = now.chmod(bits);
            // Changing any ADMIN bit needs ADMIN, as in OpenNebula; other bits need MANAGE.
            boolean adminBits = next.bit(2) != now.bit(2) || next.bit(5) != now.bit(5) || next.bit(8) != now.bit(8);
            call.authorize(adminBits ? Right.ADMIN : Right.MANAGE, o);
            tx.put(o.withPermissions(next));
            return id;
        });
    }

    /** What moves with an object to its new owner besides the object itself, e.g. the quota usage it holds. */
    @FunctionalInterface
    public interface OwnerMove {
        OwnerMove NOTHING = (tx, call, before, uid, gid) -> { };

        void apply(Transaction tx, Call call, SharedObject<?> before, int newUid, int newGid);
    }

    /**
     * chown(id, uid, gid), -1 keeping the current user or group: MANAGE on the object, and for non-admins MANAGE on
     * the new user and USE on the new group; {@code move} runs when the owner or group actually changes.
     */
    public static Object chown(Call call, ObjectType type, OwnerMove move) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        int newUid = call.params().integer(1);
        int newGid = call.params().integer(2);
        if (newUid < -1 || newGid < -1) {
            throw ApiException.api("[" + call.method() + "] Wrong user or group ID.");
        }
        return call.write(tx -> {
            SharedObject<?> o = require(tx, type, id);
            call.authorize(Right.MANAGE, o);
            int uid = o.uid();
            String uname = o.uname();
            int gid = o.gid();
            String gname = o.gname();
            if (newUid >= 0) {
                User u = tx.require(ObjectType.USER, newUid);
                if (!call.subject().isOneadmin()) {
                    call.authorize(Right.MANAGE, u);
                }
                uid = u.id();
                uname = u.name();
            }
            if (newGid >= 0) {
                Group g = tx.require(ObjectType.GROUP, newGid);
                if (!call.subject().isOneadmin()) {
                    call.authorize(Right.USE, g);
                }
                gid = g.id();
                gname = g.name();
            }
            if (uid != o.uid() && type.nameScope() == ObjectType.NameScope.OWNER) {
                PoolObject clash = tx.byName(type, uid, o.name());
                if (clash != null) {
                    throw ApiException.action("[" + call.method() + "] NAME is already taken by "
                            + type.xmlRoot() + " " + clash.id() + ".", id);
                }
            }
            if (uid != o.uid() || gid != o.gid()) {
                move.apply(tx, call, o, uid, gid);
            }
            tx.put(o.withOwner(uid, uname, gid, gname));
            return id;
        });
    }

    /** one.*.rename(id, name): MANAGE on the object; the name must be valid and free among its owner's. */
    public static Object rename(Call call, ObjectType type) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        String name = call.params().string(1);
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.action("[" + call.method() + "] " + problem + ".", id);
        }
        return call.write(tx -> {
            Renamable<?> o = (Renamable<?>) tx.<PoolObject>require(type, id);
            call.authorize(Right.MANAGE, o);
            PoolObject clash = tx.byName(type, o.uid(), name);
            if (clash != null && clash.id() != id) {
                throw ApiException.action("[" + call.method() + "] NAME is already taken by " + type.xmlRoot() + " "
                        + clash.id() + ".", id);
            }
            tx.put(o.withName(name));
            return id;
        });
    }

    /** one.*.lock(id, level, test): MANAGE; another user's lock only an administrator may take over. */
    public static Object lock(Call call, ObjectType type) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        int level = call.params().integer(1);
        boolean test = call.params().bool(2, false);
        if (level < Lock.USE || level > Lock.ALL) {
            throw ApiException.action("[" + call.method() + "] Wrong lock level specified", id);
        }
        int stored = level == Lock.ALL ? Lock.USE : level;
        return call.write(tx -> {
            Lockable<?> o = (Lockable<?>) tx.<PoolObject>require(type, id);
            call.authorizeIgnoringLock(Right.MANAGE, o);
            Lock current = o.lock();
            if (current.isLocked() && test) {
                throw ApiException.action("[" + call.method() + "] Object is already locked since "
                        + current.time() + ".", id);
            }
            if (current.isLocked() && current.owner() != call.subject().uid() && !call.subject().isOneadmin()) {
                throw ApiException.action("[" + call.method() + "] Error trying to lock the resource.", id);
            }
            tx.put(o.withLock(new Lock(stored, call.subject().uid(), tx.now(), -1)));
            return id;
        });
    }

    /** one.*.unlock(id): MANAGE; only the lock's owner or an administrator. */
    public static Object unlock(Call call, ObjectType type) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            Lockable<?> o = (Lockable<?>) tx.<PoolObject>require(type, id);
            call.authorizeIgnoringLock(Right.MANAGE, o);
            Lock current = o.lock();
            if (current.isLocked() && current.owner() != call.subject().uid() && !call.subject().isOneadmin()) {
                throw ApiException.action("[" + call.method() + "] Cannot unlock: Lock is owned by another user", id);
            }
            tx.put(o.withLock(Lock.NONE));
            return id;
        });
    }
}
