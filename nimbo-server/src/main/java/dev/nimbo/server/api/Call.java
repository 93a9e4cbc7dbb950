package dev.nimbo.server.api;

import dev.nimbo.core.auth.ObjectAuth;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.auth.Subject;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Controller;

/** One authenticated API call: the method name, who makes it, its parameters, and the daemon's services. */
public record Call(String method, Subject subject, Params params, ApiContext ctx) {

    /**
     * Refuses with LOCKED when the object's lock covers this level (a lock at level L blocks every operation
     * needing L or more: USE 1 < MANAGE 2 < ADMIN 3), else with AUTHORIZATION unless the subject holds the right.
     */
    public void authorize(Right right, PoolObject object) {
        Lock lock = object.lock();
        if (lock.isLocked() && levelOf(right) >= lock.level()) {
            throw ApiException.locked(object.type().humanName(), object.id());
        }
        authorizeIgnoringLock(right, object);
    }

    /** For operations a lock never blocks: info, lock and unlock themselves. */
    public void authorizeIgnoringLock(Right right, PoolObject object) {
        ctx.authorizer().check(method, subject, right, ObjectAuth.of(object));
    }

    private static int levelOf(Right right) {
        return switch (right) {
            case USE -> Lock.USE;
            case MANAGE -> Lock.MANAGE;
            case ADMIN, CREATE -> Lock.ADMIN;
        };
    }

    /** CREATE on a type, for a new object owned by the caller in its effective group. */
    public void authorizeCreate(ObjectType type) {
        authorizeCreate(type, subject.uid(), subject.gid());
    }

    /** CREATE on a type for a new object that will belong to uid/gid (group-scoped ACL rules match on gid). */
    public void authorizeCreate(ObjectType type, int uid, int gid) {
        ctx.authorizer().check(method, subject, Right.CREATE, ObjectAuth.forCreate(type, uid, gid));
    }

    /** Runs a change on the single writer and waits until it is durable. */
    public <R> R write(Controller.Action<R> action) {
        return ctx.controller().execute(action);
    }
}
