package dev.nimbo.core.hook;

import dev.nimbo.core.obj.ObjectType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The objects STATE hooks can watch, with OpenNebula's state names and numbers (Host, Image, VirtualMachine and
 * VirtualNetwork state enums): the hook template names states, the objects' XML carries the numbers in
 * {@code STATE} (and, for VMs, {@code LCM_STATE}).
 */
public enum HookResource {
    HOST(ObjectType.HOST, "HOST", states("INIT", 0, "MONITORED", 2, "ERROR", 3, "DISABLED", 4, "OFFLINE", 8), null),
    VM(ObjectType.VM, "VM", states("INIT", 0, "PENDING", 1, "HOLD", 2, "ACTIVE", 3, "STOPPED", 4, "SUSPENDED", 5,
            "DONE", 6, "POWEROFF", 8, "UNDEPLOYED", 9, "CLONING", 10, "CLONING_FAILURE", 11), lcmStates()),
    IMAGE(ObjectType.IMAGE, "IMAGE", states("INIT", 0, "READY", 1, "USED", 2, "DISABLED", 3, "LOCKED", 4, "ERROR", 5,
            "CLONE", 6, "DELETE", 7, "USED_PERS", 8, "LOCKED_USED", 9, "LOCKED_USED_PERS", 10), null),
    NET(ObjectType.NET, "VNET", states("INIT", 0, "READY", 1, "LOCK_CREATE", 2, "LOCK_DELETE", 3, "DONE", 4,
            "ERROR", 5, "UPDATE_FAILURE", 6), null);

    private final ObjectType objectType;
    private final String xmlRoot;
    private final Map<String, Integer> states;
    private final Map<String, Integer> lcmStates;

    HookResource(ObjectType objectType, String xmlRoot, Map<String, Integer> states, Map<String, Integer> lcmStates) {
        this.objectType = objectType;
        this.xmlRoot = xmlRoot;
        this.states = states;
        this.lcmStates = lcmStates;
    }

    public ObjectType objectType() {
        return objectType;
    }

    /** The object's XML root element (VNET for networks). */
    public String xmlRoot() {
        return xmlRoot;
    }

    public boolean hasLcmState() {
        return lcmStates != null;
    }

    /** The state number for a name (any case), or null when there is no such state. */
    public Integer state(String name) {
        return name == null ? null : states.get(name.strip().toUpperCase(Locale.ROOT));
    }

    public Integer lcmState(String name) {
        return name == null || lcmStates == null ? null : lcmStates.get(name.strip().toUpperCase(Locale.ROOT));
    }

    /** The name of a state number, or its number as text when unknown. */
    public String stateName(int state) {
        return nameOf(states, state);
    }

    public String lcmStateName(int lcm) {
        return lcmStates == null ? String.valueOf(lcm) : nameOf(lcmStates, lcm);
    }

    /** HOST, VM, IMAGE or NET (also VNET, the XML name), any case; null when not a STATE hook resource. */
    public static HookResource parse(String name) {
        if (name == null) {
            return null;
        }
        return switch (name.strip().toUpperCase(Locale.ROOT)) {
            case "HOST" -> HOST;
            case "VM" -> VM;
            case "IMAGE" -> IMAGE;
            case "NET", "VNET" -> NET;
            default -> null;
        };
    }

    public static HookResource of(ObjectType type) {
        for (HookResource r : values()) {
            if (r.objectType == type) {
                return r;
            }
        }
        return null;
    }

    private static String nameOf(Map<String, Integer> table, int value) {
        for (Map.Entry<String, Integer> e : table.entrySet()) {
            if (e.getValue() == value) {
                return e.getKey();
            }
        }
        return String.valueOf(value);
    }

    private static Map<String, Integer> states(Object... pairs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, Integer> lcmStates() {
        String[] names = {"LCM_INIT", "PROLOG", "BOOT", "RUNNING", "MIGRATE", "SAVE_STOP", "SAVE_SUSPEND",
            "SAVE_MIGRATE", "PROLOG_MIGRATE", "PROLOG_RESUME", "EPILOG_STOP", "EPILOG", "SHUTDOWN", null, null,
            "CLEANUP_RESUBMIT", "UNKNOWN", "HOTPLUG", "SHUTDOWN_POWEROFF", "BOOT_UNKNOWN", "BOOT_POWEROFF",
            "BOOT_SUSPENDED", "BOOT_STOPPED", "CLEANUP_DELETE", "HOTPLUG_SNAPSHOT", "HOTPLUG_NIC", "HOTPLUG_SAVEAS",
            "HOTPLUG_SAVEAS_POWEROFF", "HOTPLUG_SAVEAS_SUSPENDED", "SHUTDOWN_UNDEPLOY", "EPILOG_UNDEPLOY",
            "PROLOG_UNDEPLOY", "BOOT_UNDEPLOY", "HOTPLUG_PROLOG_POWEROFF", "HOTPLUG_EPILOG_POWEROFF", "BOOT_MIGRATE",
            "BOOT_FAILURE", "BOOT_MIGRATE_FAILURE", "PROLOG_MIGRATE_FAILURE", "PROLOG_FAILURE", "EPILOG_FAILURE",
            "EPILOG_STOP_FAILURE", "EPILOG_UNDEPLOY_FAILURE", "PROLOG_MIGRATE_POWEROFF",
            "PROLOG_MIGRATE_POWEROFF_FAILURE", "PROLOG_MIGRATE_SUSPEND", "PROLOG_MIGRATE_SUSPEND_FAILURE",
            "BOOT_UNDEPLOY_FAILURE", "BOOT_STOPPED_FAILURE", "PROLOG_RESUME_FAILURE", "PROLOG_UNDEPLOY_FAILURE",
            "DISK_SNAPSHOT_POWEROFF", "DISK_SNAPSHOT_REVERT_POWEROFF", "DISK_SNAPSHOT_DELETE_POWEROFF",
            "DISK_SNAPSHOT_SUSPENDED", null, "DISK_SNAPSHOT_DELETE_SUSPENDED", "DISK_SNAPSHOT", null,
            "DISK_SNAPSHOT_DELETE", "PROLOG_MIGRATE_UNKNOWN", "PROLOG_MIGRATE_UNKNOWN_FAILURE", "DISK_RESIZE",
            "DISK_RESIZE_POWEROFF", "DISK_RESIZE_UNDEPLOYED", "HOTPLUG_NIC_POWEROFF", "HOTPLUG_RESIZE",
            "HOTPLUG_SAVEAS_UNDEPLOYED", "HOTPLUG_SAVEAS_STOPPED", "BACKUP", "BACKUP_POWEROFF", "RESTORE"};
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null) {
                m.put(names[i], i);
            }
        }
        return Collections.unmodifiableMap(m);
    }
}
