package dev.nimbo.server.it;

/** Restart and crash durability on the embedded SQLite database. */
@ParallelSafe
class SqliteDurabilityTest extends DurabilitySuite {
    @Override
    String dbUrl() {
        return null;
    }
}
