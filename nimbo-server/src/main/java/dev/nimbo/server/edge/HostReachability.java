package dev.nimbo.server.edge;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.drivers.kvm.KvmVmm;
import dev.nimbo.server.agent.AgentHub;
import dev.nimbo.server.api.ApiContext;

/**
 * Refuses a VM operation that needs a host whose agent is not connected (an edge site cut off, or its agent down),
 * before anything is written: the VM keeps its state and the caller gets ACTION with "host unreachable" and what to
 * do. Operations on such VMs are refused rather than queued: a queued poweroff that runs minutes later, when the
 * link returns, would surprise more than an error now. Operations already running when a link drops are not
 * refused: they wait for the agent and complete when it is back (see the kvm drivers).
 *
 * <p>Stateless; called inside the controller action that stages the step.
 */
public final class HostReachability {
    private HostReachability() {
    }

    /** Throws ACTION when the step's driver work goes to a kvm host whose agent is not connected now. */
    public static void require(ApiContext ctx, Transaction tx, VmTransitions.Applied step) {
        if (step == null || !step.changed() || (step.driver() == null && step.detached() == null)) {
            return; // nothing for a host to do
        }
        int hostId = step.vm().hostId();
        if (hostId < 0 || !(tx.get(ObjectType.HOST, hostId) instanceof Host h) || !KvmVmm.NAME.equals(h.vmMad())) {
            return;
        }
        if (!AgentHub.linkOf(ctx).connected(hostId)) {
            throw ApiException.action("Host " + hostId + " (" + h.name() + ") is unreachable: its agent is not"
                    + " connected, the VM is left as it is. Try again when the host is back (MONITORED)",
                    step.vm().id());
        }
    }
}
