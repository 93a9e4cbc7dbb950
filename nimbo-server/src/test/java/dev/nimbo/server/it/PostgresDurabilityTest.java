package dev.nimbo.server.it;

import dev.nimbo.testing.PostgresFixture;

/** Restart and crash durability on PostgreSQL. */
@ParallelSafe
class PostgresDurabilityTest extends DurabilitySuite {
    @Override
    String dbUrl() {
        return PostgresFixture.freshDatabase("durability");
    }
}
