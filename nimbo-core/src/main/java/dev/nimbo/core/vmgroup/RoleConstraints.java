package dev.nimbo.core.vmgroup;

import java.util.Set;

/**
 * What placing a VM of one role must respect, read from its VM group (the scheduler's input):
 * <ul>
 *   <li>{@code policy}: AFFINED puts the role's VMs on one host, ANTI_AFFINED on different hosts;</li>
 *   <li>{@code hostAffined} (non-empty: only these hosts) and {@code hostAntiAffined} (never these hosts);</li>
 *   <li>{@code affinedRoles}: roles whose VMs must share the host (AFFINED rules, merged transitively as
 *       OpenNebula reduces them: "a, b" and "b, c" make a, b and c affined);</li>
 *   <li>{@code antiAffinedRoles}: roles whose VMs must not share the host (ANTI_AFFINED rules);</li>
 *   <li>{@code roleVms}, {@code affinedVms}, {@code antiAffinedVms}: the VMs currently in those roles, so a
 *       filter can look up the hosts they run on.</li>
 * </ul>
 * Immutable; sets are sorted.
 */
public record RoleConstraints(int groupId, String role, int roleId, VmGroupPolicy policy, Set<Integer> roleVms,
                              Set<Integer> hostAffined, Set<Integer> hostAntiAffined, Set<String> affinedRoles,
                              Set<String> antiAffinedRoles, Set<Integer> affinedVms, Set<Integer> antiAffinedVms) {
}
