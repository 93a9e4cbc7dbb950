package dev.nimbo.core.obj;

/**
 * An object with an owner, permissions, a lock and a free-form template: what the shared operations
 * (chmod, chown, rename, update, lock/unlock) work on for every such type. Immutable; each with* returns a
 * new version.
 */
public interface SharedObject<T extends SharedObject<T>> extends Templated<T>, Renamable<T>, Lockable<T> {
    String uname();

    String gname();

    T withOwner(int uid, String uname, int gid, String gname);

    T withPermissions(Permissions permissions);
}
