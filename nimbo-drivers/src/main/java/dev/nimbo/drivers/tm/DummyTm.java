package dev.nimbo.drivers.tm;

import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.TransferDriver;
import dev.nimbo.drivers.vmm.DummyBehaviour;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code dummy} transfer driver: moving disks in and out of a host succeeds after a latency, unless
 * failure injection ({@link DummyBehaviour}: DUMMY_FAIL = "prolog,epilog", …) says otherwise. Nothing is
 * copied. Thread-safe and stateless.
 */
public final class DummyTm implements TransferDriver {
    public static final String NAME = "dummy";

    private final DummyBehaviour defaults;

    public DummyTm() {
        this(DummyBehaviour.fromEnvironment());
    }

    public DummyTm(DummyBehaviour defaults) {
        this.defaults = defaults;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<DriverResult> execute(DriverRequest r) {
        if (r.op().kind() != DriverOp.Kind.TM) {
            return CompletableFuture.failedFuture(new DriverException("dummy TM: " + r.op().text()
                    + " is not a transfer operation"));
        }
        return defaults.forRequest(r).answer(r, DriverResult.OK);
    }
}
