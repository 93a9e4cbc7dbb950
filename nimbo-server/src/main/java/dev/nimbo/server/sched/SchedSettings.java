package dev.nimbo.server.sched;

import dev.nimbo.core.sched.SchedPolicy;
import dev.nimbo.server.vm.VmSettings;
import java.net.URI;
import java.time.Duration;

/**
 * How the placement scheduler runs, from the environment (or system properties), as the other nimbod knobs:
 * <pre>
 * NIMBO_SCHED_INTERVAL          (nimbo.sched.interval)         seconds between cycles, default 5; 0 turns the
 *                                                              scheduler off (VMs wait for one.vm.deploy)
 * NIMBO_SCHED_MAX_VMS           (nimbo.sched.maxVms)           VMs looked at per cycle, default 5000
 * NIMBO_SCHED_POLICY            (nimbo.sched.policy)           packing | striping | load-aware | custom, default striping
 * NIMBO_SCHED_RANK              (nimbo.sched.rank)             the custom policy's RANK expression
 * NIMBO_SCHED_DS_POLICY         (nimbo.sched.dsPolicy)         packing | striping | custom, default striping
 * NIMBO_SCHED_DS_RANK           (nimbo.sched.dsRank)           the custom datastore policy's RANK expression
 * NIMBO_SCHED_EXTERNAL_URL      (nimbo.sched.externalUrl)      an HTTP endpoint that chooses among the candidates
 * NIMBO_SCHED_EXTERNAL_TIMEOUT  (nimbo.sched.externalTimeout)  seconds to wait for it before the built-in choice, default 2
 * </pre>
 * A policy or rank that does not parse stops nimbod at start with the reason. Immutable.
 */
public record SchedSettings(Duration interval, int maxVmsPerCycle, SchedPolicy hostPolicy, SchedPolicy dsPolicy,
                            URI externalUrl, Duration externalTimeout) {

    public boolean enabled() {
        return !interval.isZero();
    }

    public static SchedSettings fromEnvironment() {
        double interval = seconds("nimbo.sched.interval", "NIMBO_SCHED_INTERVAL", 5);
        int max = (int) seconds("nimbo.sched.maxVms", "NIMBO_SCHED_MAX_VMS", 5000);
        SchedPolicy host = SchedPolicy.host(setting("nimbo.sched.policy", "NIMBO_SCHED_POLICY"),
                setting("nimbo.sched.rank", "NIMBO_SCHED_RANK"));
        SchedPolicy ds = SchedPolicy.datastore(setting("nimbo.sched.dsPolicy", "NIMBO_SCHED_DS_POLICY"),
                setting("nimbo.sched.dsRank", "NIMBO_SCHED_DS_RANK"));
        String url = setting("nimbo.sched.externalUrl", "NIMBO_SCHED_EXTERNAL_URL");
        double timeout = seconds("nimbo.sched.externalTimeout", "NIMBO_SCHED_EXTERNAL_TIMEOUT", 2);
        return new SchedSettings(Duration.ofMillis((long) (interval * 1000)), Math.max(1, max), host, ds,
                url == null || url.isEmpty() ? null : URI.create(url), Duration.ofMillis((long) (timeout * 1000)));
    }

    private static String setting(String property, String env) {
        return VmSettings.setting(property, env);
    }

    private static double seconds(String property, String env, double dflt) {
        return VmSettings.seconds(property, env, dflt);
    }
}
