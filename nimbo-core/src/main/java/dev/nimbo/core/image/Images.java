package dev.nimbo.core.image;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.IdSet;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The image state machine as pure functions: each takes an image version and returns the next one, or throws
 * an {@link ApiException} (ACTION) with oned's message when the transition is not allowed. Callers (API actions,
 * the storage manager's driver callbacks, and later the VM lifecycle) stage the result in their transaction, so
 * image state moves atomically with whatever caused it.
 *
 * <pre>
 *   allocate ─► LOCKED ──driver ok──► READY ◄──enable── DISABLED
 *                 │ └──driver fails──► ERROR ──enable──► READY
 *   READY ──attach──► USED / USED_PERS ──last detach──► READY
 *   LOCKED ──attach at boot──► LOCKED_USED(_PERS) ──driver ok──► USED(_PERS)
 *   READY ──clone──► USED (non-persistent) / CLONE (persistent) ──last clone done──► READY
 *   any deletable ──delete──► DELETE ──driver ok──► gone
 * </pre>
 */
public final class Images {
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss yyyy", Locale.ROOT);

    private Images() {
    }

    // ------------------------------------------------------------------ VMs using images

    /**
     * A VM takes the image as a disk when it is created: READY becomes USED, or USED_PERS for a persistent image;
     * a LOCKED image (still being copied) becomes LOCKED_USED(_PERS) and the VM waits for it. A persistent image
     * already in use is refused unless its PERSISTENT_TYPE is SHAREABLE.
     */
    public static Image attach(Image img, int vmId) {
        return acquire(img, vmId, false);
    }

    /** As {@link #attach}, for a disk hot-plugged into a running VM: a locked image is refused. */
    public static Image attachHotplug(Image img, int vmId) {
        return acquire(img, vmId, true);
    }

    private static Image acquire(Image img, int vmId, boolean hotplug) {
        if (!img.imageType().isDisk() && img.imageType() != ImageType.FILESYSTEM) {
            throw ApiException.action("Image " + img.id() + " (" + img.name() + ") of type " + img.imageType()
                    + " cannot be used as DISK.", img.id());
        }
        boolean shareable = "SHAREABLE".equalsIgnoreCase(trim(img.template().get("PERSISTENT_TYPE")));
        Image.Builder b = img.toBuilder().vms(IdSet.with(img.vms(), vmId));
        return switch (img.state()) {
            case READY -> b.state(img.persistent() ? ImageState.USED_PERS : ImageState.USED).build();
            case LOCKED -> {
                if (hotplug) {
                    throw locked(img);
                }
                yield b.state(img.persistent() ? ImageState.LOCKED_USED_PERS : ImageState.LOCKED_USED).build();
            }
            case USED_PERS -> {
                if (!shareable) {
                    throw persistentInUse(img);
                }
                yield b.build();
            }
            case USED -> b.build();
            case LOCKED_USED_PERS, LOCKED_USED -> {
                if (img.state() == ImageState.LOCKED_USED_PERS && !shareable) {
                    throw persistentInUse(img);
                }
                if (hotplug) {
                    throw locked(img);
                }
                yield b.build();
            }
            case INIT, DISABLED, ERROR, DELETE, CLONE -> throw ApiException.action("Cannot acquire image " + img.id()
                    + ", it is in state: " + img.state().text(), img.id());
        };
    }

    private static ApiException locked(Image img) {
        return ApiException.action("Cannot acquire image " + img.id() + ", it is locked", img.id());
    }

    private static ApiException persistentInUse(Image img) {
        return ApiException.action("Cannot acquire image " + img.id() + ", it is persistent and already in use",
                img.id());
    }

    /** A VM releases the image normally: the last VM out makes it READY again (LOCKED if a copy still runs). */
    public static Image detach(Image img, int vmId, long now) {
        return release(img, vmId, false, now);
    }

    /**
     * A VM releases a persistent image whose disk could not be saved back: the image goes to ERROR. For
     * non-persistent images this is the same as {@link #detach}.
     */
    public static Image detachFailed(Image img, int vmId, long now) {
        return release(img, vmId, true, now);
    }

    private static Image release(Image img, int vmId, boolean failed, long now) {
        Image.Builder b = img.toBuilder().vms(IdSet.without(img.vms(), vmId));
        int left = IdSet.without(img.vms(), vmId).size();
        return switch (img.state()) {
            case USED_PERS -> {
                b.modtime(now);
                if (failed) {
                    b.state(ImageState.ERROR);
                } else if (left == 0) {
                    b.state(ImageState.READY);
                }
                yield b.build();
            }
            case LOCKED_USED_PERS -> {
                b.modtime(now);
                if (failed) {
                    b.state(ImageState.ERROR);
                } else if (left == 0) {
                    b.state(ImageState.LOCKED);
                }
                yield b.build();
            }
            case USED -> {
                if (left == 0 && img.cloningOps() == 0) {
                    b.state(ImageState.READY);
                }
                yield b.build();
            }
            case LOCKED_USED -> {
                if (left == 0 && img.cloningOps() == 0) {
                    b.state(ImageState.LOCKED);
                }
                yield b.build();
            }
            // Releasing in any other state is a bookkeeping error upstream; the VM is forgotten, state kept.
            default -> b.build();
        };
    }

    // ------------------------------------------------------------------ driver results

    /**
     * A datastore operation finished well: LOCKED → READY, LOCKED_USED(_PERS) → USED(_PERS), and ERROR back to
     * READY (or USED/USED_PERS when VMs hold it), as oned's set_state_unlock.
     */
    public static Image unlock(Image img) {
        Image.Builder b = img.toBuilder();
        switch (img.state()) {
            case LOCKED -> b.state(ImageState.READY);
            case LOCKED_USED -> b.state(ImageState.USED);
            case LOCKED_USED_PERS -> b.state(ImageState.USED_PERS);
            case ERROR -> b.state(img.vms().isEmpty() ? ImageState.READY
                    : img.persistent() ? ImageState.USED_PERS : ImageState.USED);
            default -> {
                return img;
            }
        }
        return b.build();
    }

    /** A datastore operation failed: ERROR, with the reason in the template's ERROR attribute. */
    public static Image fail(Image img, String message, long now) {
        return img.toBuilder().state(ImageState.ERROR).template(withError(img, message, now)).build();
    }

    /** The template with ERROR = "<time> : message", as oned records failures. */
    public static dev.nimbo.core.template.Template withError(Image img, String message, long now) {
        String when = LOG_TIME.format(Instant.ofEpochSecond(now).atZone(ZoneId.systemDefault()));
        return img.template().without("ERROR").add(new dev.nimbo.core.template.SingleAttribute("ERROR",
                when + " : " + message));
    }

    // ------------------------------------------------------------------ API transitions

    /** one.image.enable: DISABLED/ERROR → READY, READY/ERROR → DISABLED; other states refused. */
    public static Image enable(Image img, boolean on) {
        if (img.imageType() == ImageType.BACKUP) {
            throw ApiException.internal("Backup images cannot be enabled or disabled.");
        }
        ImageState s = img.state();
        if (on) {
            return switch (s) {
                case DISABLED -> img.toBuilder().state(ImageState.READY).build();
                case ERROR -> unlock(img);
                case READY -> img;
                default -> throw ApiException.internal("Image cannot be in state " + s.text() + ".");
            };
        }
        return switch (s) {
            case READY, ERROR -> img.toBuilder().state(ImageState.DISABLED).build();
            case DISABLED -> img;
            default -> throw ApiException.internal("Image cannot be in state " + s.text() + ".");
        };
    }

    /**
     * one.image.persistent's check: images with snapshots must stay persistent, and images in use or being
     * cloned cannot change. Returns the reason, or null when allowed.
     */
    public static String persistentRefusal(Image img, boolean persistent) {
        if (!img.snapshots().isEmpty() && !persistent) {
            return "Image has snapshots.";
        }
        return switch (img.state()) {
            case USED, CLONE, USED_PERS, LOCKED_USED, LOCKED_USED_PERS ->
                    "Image cannot be in state " + img.state().text() + ".";
            default -> null;
        };
    }

    /** Null when {@code img} can be the source of a clone, else oned's reason. */
    public static String cloneRefusal(Image img) {
        if (img.imageType() == ImageType.BACKUP) {
            return "Cannot clone backup images";
        }
        return switch (img.state()) {
            case READY, USED, CLONE -> null;
            default -> "Cannot clone image in state: " + img.state().text();
        };
    }

    /**
     * The source of a clone starts serving image {@code newId}: READY becomes CLONE (persistent) or USED (not
     * persistent, so VMs may still use it); CLONES records the new image.
     */
    public static Image beginClone(Image source, int newId) {
        String refusal = cloneRefusal(source);
        if (refusal != null) {
            throw ApiException.action(refusal, source.id());
        }
        Image.Builder b = source.toBuilder().clones(IdSet.with(source.clones(), newId));
        if (source.state() == ImageState.READY) {
            b.state(source.persistent() ? ImageState.CLONE : ImageState.USED);
        }
        return b.build();
    }

    /** The clone into {@code newId} finished (or failed): the source is READY again when nothing else uses it. */
    public static Image endClone(Image source, int newId) {
        if (!source.clones().contains(newId)) {
            return source;
        }
        Image.Builder b = source.toBuilder().clones(IdSet.without(source.clones(), newId));
        boolean idle = source.clones().size() == 1 && source.appClones().isEmpty() && source.vms().isEmpty();
        if ((source.state() == ImageState.USED || source.state() == ImageState.CLONE) && idle) {
            b.state(ImageState.READY);
        }
        return b.build();
    }

    /**
     * Null when the image may be deleted, else oned's reason: images in use, being cloned, or (without force)
     * locked by a running datastore operation cannot be.
     */
    public static String deleteRefusal(Image img) {
        return switch (img.state()) {
            case READY -> img.vms().isEmpty() || img.imageType() == ImageType.BACKUP ? null
                    : "There are " + img.runningVms() + " VMs using it.";
            case CLONE -> "There are " + img.cloningOps() + " active clone operations.";
            case USED, USED_PERS, LOCKED_USED, LOCKED_USED_PERS -> "There are " + img.runningVms() + " VMs using it.";
            default -> null;
        };
    }

    // ------------------------------------------------------------------ for the VM lifecycle

    /** A persistent image in use gets the snapshots of the VM disk using it (oned's set_image_snapshots). */
    public static Image withVmSnapshots(Image img, ImageSnapshots snaps) {
        if (img.imageType() != ImageType.OS && img.imageType() != ImageType.DATABLOCK) {
            return img;
        }
        if (img.state() != ImageState.USED_PERS) {
            return img;
        }
        return img.toBuilder().snapshots(snaps).build();
    }

    /** A persistent image in use was resized through its VM disk. */
    public static Image withVmDiskSize(Image img, long sizeMb) {
        if ((img.imageType() != ImageType.OS && img.imageType() != ImageType.DATABLOCK)
                || img.state() != ImageState.USED_PERS) {
            return img;
        }
        return img.toBuilder().sizeMb(sizeMb).build();
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
    }
}
