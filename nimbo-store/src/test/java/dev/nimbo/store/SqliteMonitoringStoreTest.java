package dev.nimbo.store;

class SqliteMonitoringStoreTest extends MonitoringStoreContract {
    private int databases;

    @Override
    String newUrl() {
        return "jdbc:sqlite:" + dir.resolve("monitoring-" + databases++ + ".db");
    }
}
