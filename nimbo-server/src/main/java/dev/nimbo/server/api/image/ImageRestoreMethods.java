package dev.nimbo.server.api.image;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.datastore.BackupDriver;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreDriverException;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.VmBackupRestore;
import dev.nimbo.core.vmtemplate.VmTemplate;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.storage.StorageManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * one.image.restore(backup image, image datastore, options): a VM backup restored into new images (one per disk,
 * "NAME-disk-N", OS for disk 0 and DATABLOCK for the others, owned by the caller and charged to its datastore quota)
 * and, unless a single DISK_ID is asked, a VM template whose disks are those images, made from the VM document kept
 * with the backup ({@link VmBackupRestore}). Options: NAME (default "VMID-IMAGEID"), INCREMENT_ID, DISK_ID, NO_IP,
 * NO_NIC. USE on the backup image and on the datastore, CREATE of images and templates. The objects are created in
 * one action, the images LOCKED until the datastore driver has copied their disk out of the backup. Returns the
 * blank-separated IDs: the template's first (-1 without one), then the images'.
 */
final class ImageRestoreMethods {
    static final Permissions TEMPLATE_PERMISSIONS = new Permissions(0600);

    private ImageRestoreMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.image.restore", ImageRestoreMethods::restore);
    }

    static Object restore(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        int dstId = call.params().integer(1);
        String optText = call.params().string(2, "");
        Template opts = optText == null || optText.isBlank() ? Template.EMPTY : Templates.parse(call, optText);
        ObjectsView view = call.ctx().view();
        Image img = view.require(ObjectType.IMAGE, id);
        call.authorize(Right.USE, img);
        Datastore dst = view.require(ObjectType.DATASTORE, dstId);
        call.authorize(Right.USE, dst);
        int diskId = intOpt(opts, "DISK_ID", -1);
        int increment = intOpt(opts, "INCREMENT_ID", -1);
        if (ImageMethods.isYes(img.template().get("BACKUP_SELECTED_DISKS")) && diskId < 0) {
            throw ApiException.action("Cannot restore a VM from a selected disk backup", id);
        }
        if (diskId >= 0 && !img.backupDiskIds().contains(diskId)) {
            throw ApiException.action("Cannot restore disk " + diskId + ", it is not part of the backup", id);
        }
        if (img.imageType() != ImageType.BACKUP) {
            throw ApiException.action("Can only restore images of type BACKUP", id);
        }
        if (img.state() != ImageState.READY) {
            throw ApiException.action("Cannot restore backup image in state " + img.state().text(), id);
        }
        if (increment >= 0 && img.increments().get(increment) == null) {
            throw ApiException.action("Wrong increment", id);
        }
        if (!(view.get(ObjectType.DATASTORE, img.dsId()) instanceof Datastore bds)) {
            throw ApiException.action("Datastore does not exist", id);
        }
        if (dst.dsType() != Datastore.IMAGE_DS) {
            throw ApiException.action("Destination can be only an image datastore", dstId);
        }
        call.authorizeCreate(ObjectType.IMAGE);
        if (diskId < 0) {
            call.authorizeCreate(ObjectType.TEMPLATE);
        }

        StorageManager storage = StorageManager.of(call.ctx());
        XmlNode vm = vmDocument(storage, bds, img, increment);
        List<Integer> disks = new ArrayList<>();
        if (diskId >= 0) {
            disks.add(diskId);
        } else {
            disks.addAll(img.backupDiskIds().isEmpty() ? VmBackupRestore.diskSizes(vm).keySet() : img.backupDiskIds());
        }
        Map<Integer, Long> sizes = VmBackupRestore.diskSizes(vm);
        String base = opts.get("NAME") == null || opts.get("NAME").isBlank()
                ? VmBackupRestore.vmId(vm) + "-" + id : opts.get("NAME").strip();
        boolean noIp = ImageMethods.isYes(opts.get("NO_IP"));
        boolean noNic = ImageMethods.isYes(opts.get("NO_NIC"));

        Map<Integer, Integer> images = new LinkedHashMap<>();
        int templateId = call.write(tx -> {
            Datastore current = tx.require(ObjectType.DATASTORE, dstId);
            for (int d : disks) {
                String name = base + "-disk-" + d;
                ImageMethods.checkFreeName(tx, call.subject().uid(), name);
                long size = sizes.getOrDefault(d, 0L);
                ImageQuotas.charge(tx, call.subject().uid(), call.subject().uid(), call.subject().gid(),
                        Usage.datastore(dstId, 1, size));
                ImageType type = d == 0 ? ImageType.OS : ImageType.DATABLOCK;
                boolean persistent = ImageMethods.persistence(tx, call, Template.EMPTY, type, true);
                int newId = tx.nextId(ObjectType.IMAGE);
                tx.put(Image.builder(newId, name)
                        .owner(call.subject().uid(), call.subject().uname(), call.subject().gid(), call.subject().gname())
                        .permissions(ImageMethods.DEFAULT_PERMISSIONS).imageType(type).diskType(current.diskType())
                        .persistent(persistent).regtime(tx.now()).modtime(tx.now()).sizeMb(size)
                        .datastore(dstId, current.name()).format("raw")
                        .template(ImageMethods.baseTemplate(Template.EMPTY.with("FROM_BACKUP_DS",
                                Integer.toString(bds.id())), type, persistent))
                        .state(ImageState.LOCKED).build());
                current = current.withImage(newId);
                images.put(d, newId);
            }
            tx.put(current);
            if (diskId >= 0) {
                return -1;
            }
            PoolObject clash = tx.byName(ObjectType.TEMPLATE, call.subject().uid(), base);
            if (clash != null) {
                throw ApiException.allocate(ObjectType.TEMPLATE.humanName(), "NAME is already taken by TEMPLATE "
                        + clash.id() + ".");
            }
            int tid = tx.nextId(ObjectType.TEMPLATE);
            tx.put(new VmTemplate(tid, base, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), TEMPLATE_PERMISSIONS, Lock.NONE, tx.now(),
                    VmBackupRestore.template(vm, images, base, noIp, noNic).without("NAME")));
            return tid;
        });
        BackupDriver driver = storage.backupDriver(bds);
        StringBuilder out = new StringBuilder().append(templateId);
        for (var e : images.entrySet()) {
            storage.restoreFromBackup(e.getValue(), bds, driver.diskSource(bds, img, increment, e.getKey()));
            out.append(' ').append(e.getValue());
        }
        return out.toString();
    }

    /** The VM document kept with the backup, asked of the backup datastore's driver (outside the controller). */
    private static XmlNode vmDocument(StorageManager storage, Datastore bds, Image img, int increment) {
        try {
            String xml = storage.backupDriver(bds).vmXml(bds, img, increment).get(60, TimeUnit.SECONDS);
            return XmlNode.parse(xml);
        } catch (ExecutionException e) {
            throw ApiException.action("Cannot read the VM of backup " + img.id() + ": "
                    + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()), img.id());
        } catch (TimeoutException e) {
            throw ApiException.action("Cannot read the VM of backup " + img.id() + ": no answer from the driver",
                    img.id());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.internal("interrupted");
        } catch (DatastoreDriverException | IllegalArgumentException e) {
            throw ApiException.action("Cannot read the VM of backup " + img.id() + ": " + e.getMessage(), img.id());
        }
    }

    private static int intOpt(Template t, String attr, int dflt) {
        String v = t.get(attr);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw ApiException.action(attr + " must be an integer", -1);
        }
    }
}
