package dev.nimbo.core.vm;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;

/**
 * One placement of a VM (vm.xsd HISTORY): the host, cluster and system datastore it ran on, with the drivers,
 * when the placement began and ended (STIME/ETIME) and its three phases: prolog (PSTIME/PETIME, disks copied
 * in), running (RSTIME/RETIME) and epilog (ESTIME/EETIME, disks copied out); the last action taken on it
 * (ACTION) and who asked (UID, GID, REQUEST_ID). A time of 0 means "not yet". SEQ counts from 0 per VM.
 * Immutable; accounting and showback read these records.
 */
public record History(int oid, int seq, String hostname, int hid, int cid, long stime, long etime, String vmMad,
                      String tmMad, int dsId, int planId, int actionId, long pstime, long petime, long rstime,
                      long retime, long estime, long eetime, VmAction action, int uid, int gid, int requestId) {

    public History {
        hostname = hostname == null ? "" : hostname;
        vmMad = vmMad == null ? "" : vmMad;
        tmMad = tmMad == null ? "" : tmMad;
        action = action == null ? VmAction.NONE : action;
    }

    /** A new placement starting now, no phase begun, no action yet (as a deploy makes it). */
    public static History start(int vmId, int seq, int hid, String hostname, int cid, String vmMad, String tmMad,
                                int dsId, long now) {
        return new History(vmId, seq, hostname, hid, cid, now, 0, vmMad, tmMad, dsId, -1, -1, 0, 0, 0, 0, 0, 0,
                VmAction.NONE, -1, -1, -1);
    }

    /** The next record on the same placement (resume from poweroff or suspend): phases reset, starting now. */
    public History copyAsNext(long now) {
        return new History(oid, seq + 1, hostname, hid, cid, now, 0, vmMad, tmMad, dsId, planId, actionId, 0, 0, 0, 0,
                0, 0, action, uid, gid, requestId);
    }

    /** A copy of this placement as record {@code newSeq}, starting now (a migration that failed goes back to it). */
    public History copyAs(int newSeq, long now) {
        return new History(oid, newSeq, hostname, hid, cid, now, 0, vmMad, tmMad, dsId, planId, actionId, 0, 0, 0, 0,
                0, 0, action, uid, gid, requestId);
    }

    public History withAction(VmAction a, int byUid, int byGid, int reqId) {
        return new History(oid, seq, hostname, hid, cid, stime, etime, vmMad, tmMad, dsId, planId, actionId, pstime,
                petime, rstime, retime, estime, eetime, a, byUid, byGid, reqId);
    }

    /** The action alone, keeping who asked (oned's set_internal_action / clear_action). */
    public History withInternalAction(VmAction a) {
        return withAction(a, uid, gid, requestId);
    }

    public History withTimes(long newStime, long newEtime, long newPstime, long newPetime, long newRstime,
                             long newRetime, long newEstime, long newEetime) {
        return new History(oid, seq, hostname, hid, cid, newStime, newEtime, vmMad, tmMad, dsId, planId, actionId,
                newPstime, newPetime, newRstime, newRetime, newEstime, newEetime, action, uid, gid, requestId);
    }

    public History withEtime(long t) {
        return withTimes(stime, t, pstime, petime, rstime, retime, estime, eetime);
    }

    /** Whether the record's running phase has begun and not ended. */
    public boolean runningOpen() {
        return rstime != 0 && retime == 0;
    }

    public void writeXml(XmlWriter w) {
        w.open("HISTORY").element("OID", oid).element("SEQ", seq).element("HOSTNAME", hostname).element("HID", hid)
                .element("CID", cid).element("STIME", stime).element("ETIME", etime).element("VM_MAD", vmMad)
                .element("TM_MAD", tmMad).element("DS_ID", dsId).element("PLAN_ID", planId)
                .element("ACTION_ID", actionId).element("PSTIME", pstime).element("PETIME", petime)
                .element("RSTIME", rstime).element("RETIME", retime).element("ESTIME", estime)
                .element("EETIME", eetime).element("ACTION", action.code()).element("UID", uid).element("GID", gid)
                .element("REQUEST_ID", requestId);
        w.close("HISTORY");
    }

    /** The short form of pool listings (vm_pool.xsd). */
    public void writeShortXml(XmlWriter w) {
        w.open("HISTORY").element("OID", oid).element("SEQ", seq).element("HOSTNAME", hostname).element("HID", hid)
                .element("CID", cid).element("DS_ID", dsId).element("VM_MAD", vmMad).element("TM_MAD", tmMad)
                .element("ACTION", action.code()).close("HISTORY");
    }

    public static History fromXml(XmlNode h) {
        return new History(h.integer("OID", -1), h.integer("SEQ", 0), h.text("HOSTNAME"), h.integer("HID", -1),
                h.integer("CID", -1), h.longValue("STIME", 0), h.longValue("ETIME", 0), h.text("VM_MAD"),
                h.text("TM_MAD"), h.integer("DS_ID", 0), h.integer("PLAN_ID", -1), h.integer("ACTION_ID", -1),
                h.longValue("PSTIME", 0), h.longValue("PETIME", 0), h.longValue("RSTIME", 0),
                h.longValue("RETIME", 0), h.longValue("ESTIME", 0), h.longValue("EETIME", 0),
                VmAction.of(h.integer("ACTION", 0)), h.integer("UID", -1), h.integer("GID", -1),
                h.integer("REQUEST_ID", -1));
    }
}
