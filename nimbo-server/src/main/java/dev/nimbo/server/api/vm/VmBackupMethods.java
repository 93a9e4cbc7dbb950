package dev.nimbo.server.api.vm;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmAction;
import dev.nimbo.core.vm.VmBackups;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmStateMachine;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.vm.VmLifecycle;
import java.util.Locale;

/**
 * one.vm.backup, one.vm.backupcancel and one.vm.restore, with oned's checks, codes and messages
 * (VirtualMachineAPI::backup/backup_cancel/restore and the DispatchManager's):
 * <ul>
 *   <li>backup(id, datastore, reset): a RUNNING or POWEROFF VM's disks copied into a BACKUP_DS datastore (an
 *       incremental chain stays in its image's datastore unless reset). ADMIN on the VM and USE on the datastore
 *       (oned.conf lists backup among the admin operations); the VM owner's datastore quota reserves one image
 *       (none when extending a chain) and the disks' size, trimmed to the real size when the driver answers. The
 *       VM moves to BACKUP / BACKUP_POWEROFF ({@link VmBackups}).</li>
 *   <li>backupcancel(id): stops the backup in flight; the VM goes back where it was, nothing kept.</li>
 *   <li>restore(id, image, increment, disk): a POWEROFF VM's disks (one, or -1 all the backup holds) overwritten
 *       from a BACKUP image (an increment of it, -1 the last), through RESTORE. ADMIN on the VM, USE on the image.</li>
 * </ul>
 * Each returns the VM's ID.
 */
final class VmBackupMethods {
    private VmBackupMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.backup", VmBackupMethods::backup);
        r.register("one.vm.backupcancel", VmBackupMethods::cancel);
        r.register("one.vm.restore", VmBackupMethods::restore);
    }

    static Object backup(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        int dsParam = call.params().integer(1);
        boolean reset = call.params().bool(2, false);
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
                String type = d.get("TYPE") == null ? "" : d.get("TYPE").strip().toUpperCase(Locale.ROOT);
                if (type.equals("FILESYSTEM")) {
                    throw ApiException.action("Cannot backup VM with FILESYSTEM disks", id);
                }
            }
            // an incremental chain goes on in the datastore of its image, whatever the caller named
            int chain = VmBackups.chainImage(vm, reset);
            Image chainImage = null;
            int dsId = dsParam;
            if (chain >= 0) {
                PoolObject o = tx.get(ObjectType.IMAGE, chain);
                if (!(o instanceof Image img)) {
                    throw ApiException.noExists(ObjectType.IMAGE.humanName(), chain);
                }
                chainImage = img;
                dsId = img.dsId();
            }
            PoolObject o = tx.get(ObjectType.DATASTORE, dsId);
            if (!(o instanceof Datastore ds)) {
                throw ApiException.noExists(ObjectType.DATASTORE.humanName(), dsId);
            }
            if (ds.dsType() != Datastore.BACKUP_DS) {
                throw ApiException.action("Datastore needs to be of type BACKUP", dsId);
            }
            long size = VmBackups.backupSize(vm);
            if (ds.capacityCheck() && ds.availableMb() < size) {
                throw ApiException.action("Not enough free space on target datastore", dsId);
            }
            call.authorize(VmAction.BACKUP.defaultRight(), vm);
            call.authorize(Right.USE, ds);
            // checked against the VM owner's quota, as oned does
            ImageQuotas.charge(tx, vm.uid(), vm.uid(), vm.gid(), VmBackups.reservation(vm, dsId, chain < 0));
            if (chainImage != null && chainImage.state().isLocked()) {
                throw ApiException.internal("Could not create a new backup for VM " + id
                        + ", consolidating backup increments");
            }
            if (!VmStateMachine.allowed(vm.phase(), VmOp.BACKUP)) {
                throw ApiException.internal(VmStateMachine.refusal(VmOp.BACKUP, id, vm.phase()));
            }
            tx.put(VmBackups.stage(vm, dsId, reset));
            return VmTransitions.applyOp(tx, id, VmOp.BACKUP, VmMethods.requester(call), null);
        });
    }

    static Object cancel(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        VirtualMachine vm = call.write(tx -> {
            VirtualMachine v = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.BACKUP_CANCEL.defaultRight(), v);
            return v;
        });
        boolean inBackup = vm.state() == VmState.ACTIVE
                && (vm.lcmState() == LcmState.BACKUP || vm.lcmState() == LcmState.BACKUP_POWEROFF);
        if (!inBackup || !VmLifecycle.of(call.ctx()).cancel(id, vm.phase(), "Backup cancelled by user")) {
            throw ApiException.internal("Could not cancel backup for VM " + id + ", no backup in progress");
        }
        return id;
    }

    static Object restore(Call call) {
        call.params().arity(4, 4);
        int id = call.params().integer(0);
        int imageId = call.params().integer(1);
        int incrementId = call.params().integer(2);
        int diskId = call.params().integer(3);
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            if (diskId != -1 && vm.vmTemplate().vectors("DISK").stream()
                    .noneMatch(d -> String.valueOf(diskId).equals(d.get("DISK_ID")))) {
                throw ApiException.action("VM disk does not exist", id);
            }
            PoolObject o = tx.get(ObjectType.IMAGE, imageId);
            if (!(o instanceof Image img)) {
                throw ApiException.noExists(ObjectType.IMAGE.humanName(), imageId);
            }
            if (img.imageType() != ImageType.BACKUP) {
                throw ApiException.action("Image has to be of type BACKUP", imageId);
            }
            if (incrementId > img.increments().lastId() || (incrementId >= 0 && img.increments().get(incrementId) == null)) {
                throw ApiException.action("Wrong increment", imageId);
            }
            call.authorize(VmAction.RESTORE.defaultRight(), vm);
            call.authorize(Right.USE, img);
            if (!VmStateMachine.allowed(vm.phase(), VmOp.RESTORE)) {
                throw ApiException.action(VmStateMachine.refusal(VmOp.RESTORE, id, vm.phase()), id);
            }
            if (img.state() != ImageState.READY) {
                throw ApiException.action("Backup image " + imageId + " is not READY (state " + img.state().text()
                        + ")", imageId);
            }
            tx.put(VmBackups.markRestore(vm, img, incrementId, diskId));
            return VmTransitions.applyOp(tx, id, VmOp.RESTORE, VmMethods.requester(call), null);
        });
    }
}
