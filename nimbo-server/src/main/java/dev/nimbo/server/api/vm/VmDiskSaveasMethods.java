package dev.nimbo.server.api.vm;

import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmDiskSaveas;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmStateMachine;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;

/**
 * one.vm.disksaveas: a VM disk (or one of its snapshots) saved as a new image in the datastore of the disk's
 * image. One action creates the image LOCKED and owned by the requester (IMAGES and SIZE charged in that datastore,
 * SAVED_IMAGE_ID / SAVED_DISK_ID / SAVED_VM_ID in its template) and moves the VM to HOTPLUG_SAVEAS*; the transfer
 * driver copies the disk out and the datastore driver then makes the image READY (see {@link VmDiskSaveas} and the
 * VM life cycle). MANAGE on the VM, USE on the datastore. Returns the new image's ID.
 */
final class VmDiskSaveasMethods {
    private static final Permissions IMAGE_PERMISSIONS = new Permissions(0600);

    private VmDiskSaveasMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.disksaveas", VmDiskSaveasMethods::saveas);
    }

    static Object saveas(Call call) {
        call.params().arity(4, 5);
        int id = call.params().integer(0);
        int diskId = call.params().integer(1);
        String name = call.params().string(2);
        String typeText = call.params().string(3);
        int snapId = call.params().integer(4, -1);
        String nameProblem = NameRules.problem(name == null ? "" : name, "");
        if (nameProblem != null) {
            throw ApiException.allocate("image", nameProblem + ".");
        }
        int[] imageId = new int[1];
        VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            if (!VmStateMachine.allowed(vm.phase(), VmOp.DISK_SAVEAS)) {
                throw ApiException.internal(VmStateMachine.refusal(VmOp.DISK_SAVEAS, id, vm.phase()));
            }
            VectorAttribute disk = VmDiskSaveas.source(vm, diskId, snapId);
            int origId;
            try {
                origId = Integer.parseInt(disk.get("IMAGE_ID").strip());
            } catch (NumberFormatException e) {
                throw ApiException.internal("Cannot use DISK. DISK does not have a valid IMAGE_ID.");
            }
            PoolObject o = tx.get(ObjectType.IMAGE, origId);
            if (!(o instanceof Image orig)) {
                throw ApiException.noExists(ObjectType.IMAGE.humanName(), origId);
            }
            ImageType type = orig.imageType();
            if (type != ImageType.OS && type != ImageType.DATABLOCK && type != ImageType.CDROM) {
                throw ApiException.internal("Cannot save an image of type " + type.name());
            }
            if (typeText != null && !typeText.isBlank()) {
                type = ImageType.parse(typeText);
                if (type == null) {
                    throw ApiException.allocate("image", "Unknown type " + typeText.strip());
                }
            }
            Datastore ds = tx.get(ObjectType.DATASTORE, orig.dsId()) instanceof Datastore d ? d : null;
            if (ds == null) {
                throw ApiException.noExists(ObjectType.DATASTORE.humanName(), orig.dsId());
            }
            call.authorize(VmOp.DISK_SAVEAS.action().defaultRight(), vm);
            call.authorize(Right.USE, ds);
            long size = (long) Math.max(0, Double.parseDouble(disk.get("SIZE") == null ? "0" : disk.get("SIZE")));
            if (ds.capacityCheck() && size > ds.availableMb()) {
                throw ApiException.action("Not enough space in datastore", ds.id());
            }
            PoolObject clash = tx.byName(ObjectType.IMAGE, call.subject().uid(), name);
            if (clash != null) {
                throw ApiException.allocate("image", "NAME is already taken by IMAGE " + clash.id() + ".");
            }
            ImageQuotas.charge(tx, call.subject().uid(), call.subject().uid(), call.subject().gid(),
                    Usage.datastore(ds.id(), 1, size));
            int newId = tx.nextId(ObjectType.IMAGE);
            Template t = Template.EMPTY.with("SAVED_IMAGE_ID", Integer.toString(origId))
                    .with("SAVED_DISK_ID", Integer.toString(diskId)).with("SAVED_VM_ID", Integer.toString(id));
            for (String k : new String[] {"TARGET", "DEV_PREFIX"}) {
                if (orig.template().get(k) != null) {
                    t = t.with(k, orig.template().get(k));
                }
            }
            tx.put(Image.builder(newId, name)
                    .owner(call.subject().uid(), call.subject().uname(), call.subject().gid(), call.subject().gname())
                    .permissions(IMAGE_PERMISSIONS).imageType(type).diskType(ds.diskType()).persistent(false)
                    .regtime(tx.now()).modtime(tx.now()).sizeMb(size).datastore(ds.id(), ds.name())
                    .format(orig.format()).template(t).state(ImageState.LOCKED).build());
            tx.put(ds.withImage(newId));
            imageId[0] = newId;
            tx.put(VmDiskSaveas.stage(vm, diskId, snapId, newId));
            return VmTransitions.applyOp(tx, id, VmOp.DISK_SAVEAS, VmMethods.requester(call), null);
        });
        return imageId[0];
    }
}
