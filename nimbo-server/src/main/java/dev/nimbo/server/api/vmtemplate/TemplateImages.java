package dev.nimbo.server.api.vmtemplate;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vmtemplate.VmTemplate;
import dev.nimbo.server.api.ApiMethod;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Params;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images a VM template's DISKs name (IMAGE_ID, or IMAGE with IMAGE_UID/IMAGE_UNAME, the caller by
 * default) and the recursive template operations on them, done as internal calls of one.image.clone,
 * one.image.delete and one.image.chmod with the caller's identity. Like OpenNebula, these are separate
 * steps: a failed clone is rolled back by deleting what was created. Thread-safe (reads the registry only).
 */
final class TemplateImages {
    private static final Logger log = LoggerFactory.getLogger(TemplateImages.class);
    private static final String[] IMAGE_REFERENCES = {"IMAGE", "IMAGE_UNAME", "IMAGE_UID", "OPENNEBULA_MANAGED"};

    private final ApiRegistry registry;

    TemplateImages(ApiRegistry registry) {
        this.registry = registry;
    }

    /** The image a DISK names, or -1 (volatile disks, unknown names). */
    static int imageId(ObjectsView view, VectorAttribute disk, int callerUid) {
        String id = disk.get("IMAGE_ID");
        if (id != null && !id.isBlank()) {
            try {
                return Integer.parseInt(id.strip());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        String name = disk.get("IMAGE");
        if (name == null || name.isBlank()) {
            return -1;
        }
        int uid = callerUid;
        String uidText = disk.get("IMAGE_UID");
        String uname = disk.get("IMAGE_UNAME");
        if (uidText != null && !uidText.isBlank()) {
            try {
                uid = Integer.parseInt(uidText.strip());
            } catch (NumberFormatException e) {
                return -1;
            }
        } else if (uname != null && !uname.isBlank()) {
            PoolObject user = view.byName(ObjectType.USER, 0, uname.strip());
            if (user == null) {
                return -1;
            }
            uid = user.id();
        }
        PoolObject image = view.byName(ObjectType.IMAGE, uid, name.strip());
        return image == null ? -1 : image.id();
    }

    static Set<Integer> imageIds(ObjectsView view, Template t, int callerUid) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (VectorAttribute d : t.vectors("DISK")) {
            int id = imageId(view, d, callerUid);
            if (id >= 0) {
                ids.add(id);
            }
        }
        return ids;
    }

    private Object invoke(Call call, String method, Object... params) {
        ApiMethod m = registry.find(method);
        if (m == null) {
            throw ApiException.action("Images cannot be handled: " + method + " is not available.");
        }
        return m.invoke(new Call(method, call.subject(), new Params(method, List.of(params)), call.ctx()));
    }

    /**
     * Clones each DISK's image as "NAME-disk-N" and points the new template's DISKs at the copies. On a
     * failure the new template and the copies made so far are deleted, and the clone fails with ACTION.
     */
    void cloneDisks(Call call, int templateId, String name) {
        cloneDisks(call, templateId, name, false);
    }

    /** As {@link #cloneDisks(Call, int, String)}; {@code persistent} makes every copy persistent (oned's flag). */
    void cloneDisks(Call call, int templateId, String name, boolean persistent) {
        ObjectsView view = call.ctx().view();
        VmTemplate t = view.require(ObjectType.TEMPLATE, templateId);
        List<Integer> copies = new ArrayList<>();
        List<Attribute> out = new ArrayList<>();
        int ndisk = 0;
        try {
            for (Attribute a : t.template().attributes()) {
                if (!(a instanceof VectorAttribute disk) || !disk.name().equals("DISK")) {
                    out.add(a);
                    continue;
                }
                int imageId = imageId(view, disk, call.subject().uid());
                if (imageId >= 0) {
                    Object copy = invoke(call, "one.image.clone", imageId, name + "-disk-" + ndisk, -1);
                    int copyId = ((Number) copy).intValue();
                    copies.add(copyId);
                    if (persistent) {
                        call.write(tx -> {
                            if (tx.get(ObjectType.IMAGE, copyId) instanceof dev.nimbo.core.image.Image img) {
                                tx.put(img.toBuilder().persistent(true).build());
                            }
                            return copyId;
                        });
                    }
                    VectorAttribute d = disk;
                    for (String ref : IMAGE_REFERENCES) {
                        d = d.without(ref);
                    }
                    disk = d.with("IMAGE_ID", Integer.toString(copyId));
                }
                out.add(disk);
                ndisk++;
            }
        } catch (ApiException e) {
            rollback(call, templateId, copies);
            throw ApiException.action("Failed to clone images: " + e.getMessage(), templateId);
        }
        Template updated = Template.of(out);
        call.write(tx -> {
            if (tx.get(ObjectType.TEMPLATE, templateId) instanceof VmTemplate now) {
                tx.put(now.withTemplate(updated));
            }
            return templateId;
        });
    }

    private void rollback(Call call, int templateId, List<Integer> copies) {
        call.write(tx -> {
            if (tx.get(ObjectType.TEMPLATE, templateId) != null) {
                tx.delete(ObjectType.TEMPLATE, templateId);
            }
            return templateId;
        });
        for (int id : copies) {
            try {
                invoke(call, "one.image.delete", id);
            } catch (ApiException e) {
                log.warn("could not delete image {} cloned for template {}: {}", id, templateId, e.getMessage());
            }
        }
    }

    /** Deletes the images of a deleted template; failures are logged, the delete still succeeds (as oned). */
    void deleteImages(Call call, VmTemplate deleted) {
        for (int id : imageIds(call.ctx().view(), deleted.template(), call.subject().uid())) {
            try {
                invoke(call, "one.image.delete", id);
            } catch (ApiException e) {
                log.warn("template {} deleted, unable to delete image {}: {}", deleted.id(), id, e.getMessage());
            }
        }
    }

    /** Applies the same chmod to the template's images; ACTION naming those that failed. */
    void chmodImages(Call call, VmTemplate t, List<Object> nineBits) {
        List<Integer> failed = new ArrayList<>();
        for (int id : imageIds(call.ctx().view(), t.template(), call.subject().uid())) {
            List<Object> params = new ArrayList<>(10);
            params.add(id);
            params.addAll(nineBits);
            try {
                invoke(call, "one.image.chmod", params.toArray());
            } catch (ApiException e) {
                failed.add(id);
            }
        }
        if (!failed.isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (int id : failed) {
                b.append(b.isEmpty() ? "" : ",").append(id);
            }
            throw ApiException.action("Cannot chmod image: " + b, t.id());
        }
    }
}
