package dev.nimbo.server.it;

import dev.nimbo.testing.PostgresFixture;

/** The foundation suite on a real PostgreSQL server (started by the test run when absent). */
@ParallelSafe
class PostgresFoundationTest extends FoundationSuite {
    @Override
    String dbUrl() {
        return PostgresFixture.freshDatabase("foundation");
    }
}
