package dev.nimbo.server.vm;

import java.time.Duration;

/**
 * How the VM life cycle runs, from the environment (or system properties):
 * <pre>
 * NIMBO_VM_DRIVER_TIMEOUT   (nimbo.vm.driverTimeout)   seconds a driver operation may take, default 300
 * NIMBO_VM_RESTART_POLICY   (nimbo.vm.restartPolicy)   resume | fail: operations a restart interrupted, default resume
 * NIMBO_VM_MONITOR_INTERVAL (nimbo.vm.monitorInterval) seconds between VM monitorings, default 60 (0 disables)
 * NIMBO_VM_MONITOR_EXPIRATION (nimbo.vm.monitorExpiration) seconds VM monitoring records are kept, default 43200
 * NIMBO_VM_SCHED_INTERVAL   (nimbo.vm.schedInterval)   seconds between looks for due scheduled actions, default 5
 * </pre>
 * Immutable.
 */
public record VmSettings(Duration driverTimeout, boolean failOnRestart, Duration monitorInterval, Duration monitorExpiration,
                         Duration schedInterval) {

    public static VmSettings fromEnvironment() {
        return new VmSettings(Duration.ofMillis((long) (seconds("nimbo.vm.driverTimeout", "NIMBO_VM_DRIVER_TIMEOUT", 300) * 1000)),
                "fail".equalsIgnoreCase(setting("nimbo.vm.restartPolicy", "NIMBO_VM_RESTART_POLICY")),
                Duration.ofMillis((long) (seconds("nimbo.vm.monitorInterval", "NIMBO_VM_MONITOR_INTERVAL", 60) * 1000)),
                Duration.ofSeconds((long) seconds("nimbo.vm.monitorExpiration", "NIMBO_VM_MONITOR_EXPIRATION", 43200)),
                Duration.ofMillis((long) (seconds("nimbo.vm.schedInterval", "NIMBO_VM_SCHED_INTERVAL", 5) * 1000)));
    }

    /** A setting from the system property, else the environment variable; null when neither is set. */
    public static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null ? null : v.strip();
    }

    /** A non-negative number setting; {@code dflt} when unset, negative or not a number. */
    public static double seconds(String property, String env, double dflt) {
        String v = setting(property, env);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v);
            return d >= 0 ? d : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
