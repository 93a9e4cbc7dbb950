package dev.nimbo.server.it;

/** The foundation suite on the embedded SQLite database (the default). */
@ParallelSafe
class SqliteFoundationTest extends FoundationSuite {
    @Override
    String dbUrl() {
        return null;
    }
}
