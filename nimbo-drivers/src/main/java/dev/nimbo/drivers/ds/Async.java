package dev.nimbo.drivers.ds;

import dev.nimbo.core.datastore.DatastoreDriverException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * Runs blocking driver work on its own virtual thread and hands back a future for it. When the future is
 * completed from outside first (a timeout or a cancel), the thread is interrupted so file and HTTP transfers
 * stop instead of running on unseen.
 */
final class Async {
    private Async() {
    }

    static <T> CompletableFuture<T> run(String name, Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                f.complete(work.call());
            } catch (DatastoreDriverException e) {
                f.completeExceptionally(e);
            } catch (InterruptedException e) {
                f.completeExceptionally(new DatastoreDriverException("interrupted", e));
            } catch (Exception | Error e) {
                f.completeExceptionally(new DatastoreDriverException(describe(e), e));
            }
        });
        f.whenComplete((v, e) -> {
            if (e != null && Thread.currentThread() != t) {
                t.interrupt();
            }
        });
        t.start();
        return f;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + m;
    }
}
