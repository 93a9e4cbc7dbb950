package dev.nimbo.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneResponse;
import java.util.concurrent.atomic.AtomicInteger;

/** What every XML-RPC integration test needs: OpenNebula's error codes, success/failure assertions, unique names. */
final class Rpc {
    static final int AUTHENTICATION = 0x100;
    static final int AUTHORIZATION = 0x200;
    static final int NO_EXISTS = 0x400;
    static final int ACTION = 0x800;
    static final int XML_RPC_API = 0x1000;
    static final int INTERNAL = 0x2000;
    static final int ALLOCATE = 0x4000;
    static final int LOCKED = 0x8000;

    private static final AtomicInteger SEQ = new AtomicInteger();

    private Rpc() {
    }

    /** A name no other test in this JVM (or an earlier run against the same daemon) uses. */
    static String unique(String prefix) {
        return prefix + SEQ.incrementAndGet() + "_" + Long.toString(System.nanoTime() % 100000, 36);
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }

    static void fails(OneResponse r, int code, String messagePart) {
        assertThat(r.ok()).as("expected failure 0x%x, got %s", code, r.value()).isFalse();
        assertThat(r.errorCode()).as("error code for: %s", r.message()).isEqualTo(code);
        assertThat(r.message()).contains(messagePart);
    }
}
