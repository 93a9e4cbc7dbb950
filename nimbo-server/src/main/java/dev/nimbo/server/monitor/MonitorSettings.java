package dev.nimbo.server.monitor;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the host monitor runs: how often each host is monitored, how long a monitoring may take, and how long
 * monitoring history is kept. Each comes from a system property or else an environment variable, in seconds
 * (fractions allowed), with OpenNebula's defaults:
 *
 * <pre>
 * nimbo.host.monitorInterval      NIMBO_HOST_MONITOR_INTERVAL        30      (tests use 1)
 * nimbo.host.monitorTimeout       NIMBO_HOST_MONITOR_TIMEOUT         60
 * nimbo.host.monitoringExpiration NIMBO_HOST_MONITORING_EXPIRATION   43200   (12 h, HOST_MONITORING_EXPIRATION_TIME)
 * </pre>
 */
public record MonitorSettings(Duration interval, Duration timeout, Duration expiration) {
    private static final Logger log = LoggerFactory.getLogger(MonitorSettings.class);

    public static MonitorSettings fromEnvironment() {
        return new MonitorSettings(
                seconds("nimbo.host.monitorInterval", "NIMBO_HOST_MONITOR_INTERVAL", Duration.ofSeconds(30)),
                seconds("nimbo.host.monitorTimeout", "NIMBO_HOST_MONITOR_TIMEOUT", Duration.ofSeconds(60)),
                seconds("nimbo.host.monitoringExpiration", "NIMBO_HOST_MONITORING_EXPIRATION", Duration.ofHours(12)));
    }

    private static Duration seconds(String property, String env, Duration dflt) {
        String v = System.getProperty(property, System.getenv(env));
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            double s = Double.parseDouble(v.strip());
            if (s > 0 && s < 1e9) {
                return Duration.ofMillis(Math.max(1, (long) (s * 1000)));
            }
        } catch (NumberFormatException e) {
            // logged below
        }
        log.warn("ignoring {} / {} = '{}': not a positive number of seconds; using {} s", property, env, v,
                dflt.toMillis() / 1000.0);
        return dflt;
    }
}
