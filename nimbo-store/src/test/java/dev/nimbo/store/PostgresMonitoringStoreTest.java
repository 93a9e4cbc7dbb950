package dev.nimbo.store;

import dev.nimbo.testing.PostgresFixture;

class PostgresMonitoringStoreTest extends MonitoringStoreContract {
    @Override
    String newUrl() {
        return PostgresFixture.freshDatabase("monitoring");
    }
}
