package dev.nimbo.server.api.image;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.SafeDirs;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.group.Group;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.datastore.DatastoreMethods;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.storage.StorageManager;
import java.util.Locale;

/**
 * one.image.allocate/clone/delete and one.imagepool.info, plus the shared operations; the per-image actions
 * (enable, persistent, chtype, chown, snapshots) are in {@link ImageActions}. An allocate or clone commits the image
 * LOCKED, with its datastore quota charged in the same change, and then hands the copy to the
 * {@link StorageManager}; the driver's result makes it READY or ERROR later. Checks and messages follow oned's
 * ImageAllocateAPI, ImageAPI and ImagePool.
 */
public final class ImageMethods {
    /** oned's default umask 177: new images are owner use+manage only. */
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0600);
    /** oned.conf DEFAULT_DEVICE_PREFIX and DEFAULT_IMAGE_TYPE. */
    static final String DEFAULT_DEV_PREFIX = "sd";

    private ImageMethods() {
    }

    public static void register(ApiRegistry r) {
        DatastoreMethods.shared(r, "one.image", ObjectType.IMAGE, "info", "update", "chmod", "rename", "lock", "unlock");
        r.register("one.image.allocate", ImageMethods::allocate);
        r.register("one.image.clone", ImageMethods::cloneImage);
        r.register("one.image.delete", ImageMethods::delete);
        r.register("one.imagepool.info", ImageMethods::poolInfo);
        ImageActions.register(r);
        ImageRestoreMethods.register(r);
    }

    // ------------------------------------------------------------------ allocate

    static Object allocate(Call call) {
        call.params().arity(2, 3);
        Template t = Templates.parse(call, call.params().string(0));
        int dsId = call.params().integer(1);
        boolean skipCapacity = call.params().bool(2, false) && call.subject().isOneadmin();
        ObjectsView view = call.ctx().view();
        Datastore ds = (Datastore) view.get(ObjectType.DATASTORE, dsId);
        if (ds == null) {
            throw ApiException.noExists(ObjectType.DATASTORE.humanName(), dsId);
        }
        if (ds.dsType() == Datastore.SYSTEM_DS || ds.dsType() == Datastore.BACKUP_DS) {
            throw ApiException.allocate("image", "New images can only be allocated in a files or image datastore.");
        }
        String typeText = t.get("TYPE");
        ImageType type = typeText == null || typeText.isBlank() ? ImageType.OS : ImageType.parse(typeText);
        if (type == null) {
            throw ApiException.allocate("image", "Unknown type " + typeText.trim());
        }
        String typeProblem = typeForDatastore(type, ds.dsType());
        if (typeProblem != null) {
            throw ApiException.allocate("image", typeProblem);
        }
        String name = t.get("NAME") == null ? "" : t.get("NAME");
        String nameProblem = NameRules.problem(name, "");
        if (nameProblem != null) {
            throw ApiException.allocate("image", nameProblem + ".");
        }
        String source = trim(t.get("SOURCE"));
        String path = trim(t.get("PATH"));
        if (!source.isEmpty() && !path.isEmpty()) {
            throw ApiException.allocate("image", "PATH and SOURCE cannot be both set.");
        }
        if (!source.isEmpty() && trim(t.get("FORMAT")).isEmpty()) {
            throw ApiException.allocate("image", "SOURCE needs FORMAT to be set.");
        }
        if (!path.isEmpty()) {
            String refusal = pathRefusal(ds, path);
            if (refusal != null) {
                throw ApiException.allocate("image", refusal);
            }
        }
        if (!source.isEmpty() && !call.subject().isOneadmin()) {
            throw ApiException.authorization("User [" + call.subject().uid()
                    + "] : Template includes a restricted attribute SOURCE.");
        }
        call.authorizeCreate(ObjectType.IMAGE);
        call.authorize(Right.USE, ds);

        StorageManager storage = StorageManager.of(call.ctx());
        long size = size(storage, ds, type, t, source, path);
        if (ds.capacityCheck() && !skipCapacity && size > ds.availableMb()) {
            throw ApiException.action("Not enough space in datastore", dsId);
        }
        int id = call.write(tx -> {
            Datastore current = tx.require(ObjectType.DATASTORE, dsId);
            checkFreeName(tx, call.subject().uid(), name);
            ImageQuotas.charge(tx, call.subject().uid(), call.subject().uid(), call.subject().gid(),
                    Usage.datastore(dsId, 1, size));
            int newId = tx.nextId(ObjectType.IMAGE);
            boolean persistent = persistence(tx, call, t, type, true);
            Image.Builder b = Image.builder(newId, name)
                    .owner(call.subject().uid(), call.subject().uname(), call.subject().gid(), call.subject().gname())
                    .permissions(DEFAULT_PERMISSIONS).imageType(type).diskType(current.diskType())
                    .persistent(persistent).regtime(tx.now()).modtime(tx.now()).sizeMb(size)
                    .datastore(dsId, current.name()).path(path).source(source).fs(trim(t.get("FS")));
            Template kept = baseTemplate(t, type, persistent);
            String format = trim(t.get("FORMAT"));
            if (source.isEmpty() && path.isEmpty()) {
                if (type == ImageType.FILESYSTEM) {
                    format = "dir";
                } else {
                    String dsDriver = trim(current.template().get("DRIVER"));
                    if (!dsDriver.isEmpty()) {
                        kept = kept.with("DRIVER", dsDriver);
                        format = dsDriver;
                    } else if (format.isEmpty()) {
                        format = "raw";
                    }
                }
            } else if (!path.isEmpty()) {
                format = ""; // the driver tells the format of what it copied
            }
            b.format(format).template(kept).state(ImageState.LOCKED);
            if (!source.isEmpty()) {
                b.state(ImageState.READY); // a SOURCE already in the datastore needs no driver work
            }
            tx.put(b.build());
            tx.put(current.withImage(newId));
            return newId;
        });
        if (source.isEmpty()) {
            storage.register(id);
        }
        return id;
    }

    /** oned's type/datastore rules (ImagePool::allocate). */
    static String typeForDatastore(ImageType type, int dsType) {
        return switch (type) {
            case OS, DATABLOCK, CDROM, FILESYSTEM -> dsType != Datastore.IMAGE_DS
                    ? "Only IMAGES of type KERNEL, RAMDISK and CONTEXT can be registered in a FILE_DS datastore" : null;
            case KERNEL, RAMDISK, CONTEXT -> dsType != Datastore.FILE_DS
                    ? "IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore" : null;
            case BACKUP -> "IMAGES of type BACKUP can only be registered in an BACKUP_DS datastore";
        };
    }

    /** Why a PATH cannot be used, or null: local paths must pass SAFE_DIRS, URLs must be http(s). */
    static String pathRefusal(Datastore ds, String path) {
        if (path.contains("://")) {
            String lower = path.toLowerCase(Locale.ROOT);
            return lower.startsWith("http://") || lower.startsWith("https://") ? null
                    : "Unsupported URL in PATH " + path + ": only http and https can be downloaded";
        }
        return SafeDirs.refusal(ds.template(), path);
    }

    /** The image SIZE in MB as oned's stat_image: given for SOURCE and empty disks, measured for PATH. */
    static long size(StorageManager storage, Datastore ds, ImageType type, Template t, String source, String path) {
        switch (type) {
            case FILESYSTEM -> {
                if (path.isEmpty()) {
                    throw ApiException.internal("Cannot parse image SIZE: Missing PATH attribute.");
                }
            }
            case CDROM, KERNEL, RAMDISK, CONTEXT -> {
                if (!source.isEmpty()) {
                    return sizeAttribute(t);
                }
                if (path.isEmpty()) {
                    throw ApiException.internal("Cannot parse image SIZE: Either PATH or SOURCE are required for "
                            + type);
                }
            }
            default -> {
                if (!source.isEmpty() || path.isEmpty()) {
                    return sizeAttribute(t);
                }
            }
        }
        return storage.stat(ds, path);
    }

    private static long sizeAttribute(Template t) {
        String v = trim(t.get("SIZE"));
        try {
            long size = Long.parseLong(v);
            if (size < 0) {
                throw new NumberFormatException();
            }
            return size;
        } catch (NumberFormatException e) {
            throw ApiException.internal("Cannot parse image SIZE: Wrong number or missing SIZE attribute.");
        }
    }

    /**
     * The template an image keeps: the attributes that became fields (NAME, TYPE, PERSISTENT, SIZE, FS, PATH,
     * SOURCE, FORMAT, TM_MAD, DRIVER) are removed, DEV_PREFIX defaults to "sd" for OS and DATABLOCK images and is
     * dropped for the others, and a SHAREABLE PERSISTENT_TYPE needs a persistent image.
     */
    static Template baseTemplate(Template t, ImageType type, boolean persistent) {
        for (String attr : new String[] {"NAME", "TYPE", "PERSISTENT", "SIZE", "FS", "PATH", "SOURCE", "FORMAT",
                "TM_MAD", "DRIVER", "ERROR", "FORCE_DELETE"}) {
            t = t.without(attr);
        }
        if (type == ImageType.OS || type == ImageType.DATABLOCK) {
            if (trim(t.get("DEV_PREFIX")).isEmpty()) {
                t = t.with("DEV_PREFIX", DEFAULT_DEV_PREFIX);
            }
        } else {
            t = t.without("DEV_PREFIX");
        }
        if (!persistent && "SHAREABLE".equalsIgnoreCase(trim(t.get("PERSISTENT_TYPE")))) {
            t = t.without("PERSISTENT_TYPE");
        }
        return t;
    }

    /**
     * PERSISTENT as oned's test_set_persistent: on allocate the template's PERSISTENT wins, else the user's or
     * group's DEFAULT_IMAGE_PERSISTENT_NEW; on clone DEFAULT_IMAGE_PERSISTENT wins over the source's flag. Only
     * OS, DATABLOCK and FILESYSTEM images may be persistent (BACKUP always is).
     */
    static boolean persistence(Transaction tx, Call call, Template t, ImageType type, boolean allocate) {
        String given = trim(t.get("PERSISTENT"));
        String conf = configured(tx, call, allocate ? "DEFAULT_IMAGE_PERSISTENT_NEW" : "DEFAULT_IMAGE_PERSISTENT");
        boolean p;
        if (allocate && !given.isEmpty()) {
            p = isYes(given);
        } else if (!conf.isEmpty()) {
            p = isYes(conf);
        } else {
            p = isYes(given);
        }
        return switch (type) {
            case OS, DATABLOCK, FILESYSTEM -> p;
            case BACKUP -> true;
            default -> false;
        };
    }

    /** A setting from the caller's user template, else its group's: oned's get_configuration_attribute. */
    private static String configured(Transaction tx, Call call, String attr) {
        if (tx.get(ObjectType.USER, call.subject().uid()) instanceof User u) {
            String v = trim(u.template().get(attr));
            if (!v.isEmpty()) {
                return v;
            }
        }
        if (tx.get(ObjectType.GROUP, call.subject().gid()) instanceof Group g) {
            return trim(g.template().get(attr));
        }
        return "";
    }

    static void checkFreeName(Transaction tx, int uid, String name) {
        PoolObject clash = tx.byName(ObjectType.IMAGE, uid, name);
        if (clash != null) {
            throw ApiException.allocate("image", "NAME is already taken by IMAGE " + clash.id() + ".");
        }
    }

    // ------------------------------------------------------------------ clone

    static Object cloneImage(Call call) {
        call.params().arity(2, 3);
        int sourceId = call.params().integer(0);
        String name = call.params().string(1);
        int requestedDs = call.params().integer(2, -1);
        ObjectsView view = call.ctx().view();
        Image src = view.require(ObjectType.IMAGE, sourceId);
        switch (src.imageType()) {
            case OS, DATABLOCK, CDROM -> {
            }
            default -> throw ApiException.action(src.imageType() + " images cannot be cloned.", sourceId);
        }
        if (!src.snapshots().isEmpty()) {
            throw ApiException.action("Cannot clone images with snapshots", sourceId);
        }
        int dsId = requestedDs == -1 ? src.dsId() : requestedDs;
        Datastore ds = (Datastore) view.get(ObjectType.DATASTORE, dsId);
        if (ds == null) {
            throw ApiException.noExists(ObjectType.DATASTORE.humanName(), dsId);
        }
        if (ds.dsType() != Datastore.IMAGE_DS) {
            throw ApiException.action("Clone only supported for IMAGE_DS Datastores", dsId);
        }
        Datastore srcDs = null;
        if (dsId != src.dsId()) {
            srcDs = (Datastore) view.get(ObjectType.DATASTORE, src.dsId());
            if (srcDs == null) {
                throw ApiException.noExists(ObjectType.DATASTORE.humanName(), src.dsId());
            }
            if (srcDs.dsType() != Datastore.IMAGE_DS) {
                throw ApiException.action("Clone only supported for IMAGE_DS Datastores", src.dsId());
            }
            if (!srcDs.dsMad().equals(ds.dsMad())) {
                throw ApiException.action("Clone only supported to same DS_MAD Datastores", dsId);
            }
        }
        long size = src.sizeMb();
        if (ds.capacityCheck() && size > ds.availableMb()) {
            throw ApiException.action("Not enough space in datastore", dsId);
        }
        call.authorizeCreate(ObjectType.IMAGE);
        call.authorize(Right.USE, src);
        call.authorize(Right.USE, ds);
        if (srcDs != null) {
            call.authorize(Right.USE, srcDs);
        }
        String nameProblem = NameRules.problem(name, "");
        if (nameProblem != null) {
            throw ApiException.allocate("image", nameProblem + ".");
        }
        StorageManager storage = StorageManager.of(call.ctx());
        int id = call.write(tx -> {
            Image source = tx.require(ObjectType.IMAGE, sourceId);
            Datastore target = tx.require(ObjectType.DATASTORE, dsId);
            String refusal = Images.cloneRefusal(source);
            if (refusal != null) {
                throw ApiException.allocate("image", refusal);
            }
            checkFreeName(tx, call.subject().uid(), name);
            ImageQuotas.charge(tx, call.subject().uid(), call.subject().uid(), call.subject().gid(),
                    Usage.datastore(dsId, 1, source.sizeMb()));
            int newId = tx.nextId(ObjectType.IMAGE);
            Template flags = source.template().with("PERSISTENT", source.persistent() ? "YES" : "NO");
            boolean persistent = persistence(tx, call, flags, source.imageType(), false);
            Image copy = Image.builder(newId, name)
                    .owner(call.subject().uid(), call.subject().uname(), call.subject().gid(), call.subject().gname())
                    .permissions(DEFAULT_PERMISSIONS).imageType(source.imageType()).diskType(target.diskType())
                    .persistent(persistent).regtime(tx.now()).modtime(tx.now()).sizeMb(source.sizeMb())
                    .datastore(dsId, target.name()).path(source.source()).format(source.format())
                    .template(baseTemplate(source.template(), source.imageType(), persistent))
                    .cloningId(sourceId).state(ImageState.LOCKED).build();
            tx.put(Images.beginClone(source, newId));
            tx.put(copy);
            tx.put(target.withImage(newId));
            return newId;
        });
        storage.cloneImage(id);
        return id;
    }

    // ------------------------------------------------------------------ delete

    static Object delete(Call call) {
        call.params().arity(1, 2);
        int id = call.params().integer(0);
        boolean force = call.params().bool(1, false);
        StorageManager storage = StorageManager.of(call.ctx());
        boolean needsDriver = call.write(tx -> {
            Image img = tx.require(ObjectType.IMAGE, id);
            boolean locked = img.state().isLocked();
            call.authorize(locked ? Right.ADMIN : Right.MANAGE, img);
            if (locked && !force) {
                throw new ApiException(ErrorCode.INTERNAL, "Image locked, use --force flag to remove the image. "
                        + "Force delete may leave some files on Datastore", id);
            }
            if (tx.get(ObjectType.DATASTORE, img.dsId()) == null) {
                throw ApiException.action("Cannot delete image. Datastore no longer exists cannot remove image", id);
            }
            String refusal = Images.deleteRefusal(img);
            if (refusal != null) {
                throw ApiException.action("Cannot delete image. " + refusal, id);
            }
            if (force) {
                img = img.withTemplate(img.template().with("FORCE_DELETE", "YES"));
            }
            if (img.state().isLocked() && img.cloningId() >= 0
                    && tx.get(ObjectType.IMAGE, img.cloningId()) instanceof Image source) {
                tx.put(Images.endClone(source, id));
            }
            StorageManager.dropAcls(tx, ObjectType.IMAGE, id);
            if (img.imageType() == ImageType.BACKUP) {
                dev.nimbo.core.vm.VmBackups.imageDeleted(tx, img); // out of its VM's BACKUP_IDS, as oned
            }
            if (img.source().isEmpty()) {
                StorageManager.drop(tx, img);
                return false;
            }
            tx.put(img.toBuilder().state(ImageState.DELETE).cloningId(-1).targetSnapshot(-1).build());
            return true;
        });
        if (needsDriver) {
            storage.delete(id);
        }
        return id;
    }

    static Object poolInfo(Call call) {
        call.params().arity(0, 3);
        int filter = call.params().integer(0, -2);
        int start = call.params().integer(1, -1);
        int end = call.params().integer(2, -1);
        return SharedMethods.poolXml(call, ObjectType.IMAGE,
                dev.nimbo.server.api.PoolQuery.select(call, ObjectType.IMAGE, filter, start, end));
    }

    static String trim(String s) {
        return s == null ? "" : s.trim();
    }

    static boolean isYes(String v) {
        String s = trim(v).toUpperCase(Locale.ROOT);
        return s.equals("YES") || s.equals("TRUE") || s.equals("1");
    }
}
