package dev.nimbo.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContract {

    @TempDir
    Path dir;

    private int databases;

    @Override
    String newUrl() {
        return "jdbc:sqlite:" + dir.resolve("nimbo-" + databases++ + ".db");
    }

    private static String pragma(JdbcStore store, String name) throws Exception {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void connectionsHaveTheDurablePragmas() throws Exception {
        try (JdbcStore store = JdbcStore.open(url)) {
            assertThat(pragma(store, "journal_mode")).isEqualToIgnoringCase("wal");
            assertThat(pragma(store, "synchronous")).isEqualTo("2"); // FULL
            assertThat(pragma(store, "foreign_keys")).isEqualTo("1");
            assertThat(pragma(store, "busy_timeout")).isEqualTo("10000");
        }
    }

    @Test
    void describesTheFileAndCountsTheWal() {
        Path file = dir.resolve("described.db");
        try (JdbcStore store = JdbcStore.open("jdbc:sqlite:" + file)) {
            assertThat(store.describe()).isEqualTo("sqlite:" + file.toAbsolutePath());
            store.commit(java.util.List.of(put(dev.nimbo.core.obj.ObjectType.VM, 0, "x")));
            assertThat(Files.exists(dir.resolve("described.db-wal"))).isTrue();
            assertThat(store.sizeBytes()).isGreaterThan(file.toFile().length());
        }
    }

    @Test
    void unsupportedUrlsAreRefusedWithoutEchoingSecrets() {
        assertThatThrownBy(() -> JdbcStore.open("jdbc:mysql://db/nimbo?password=s3cret"))
                .isInstanceOf(StoreException.class)
                .hasMessage("unsupported database jdbc:mysql (use jdbc:sqlite:/path/nimbo.db or"
                        + " jdbc:postgresql://host:port/db)");
        assertThatThrownBy(() -> JdbcStore.open("jdbc:sqlite::memory:"))
                .isInstanceOf(StoreException.class).hasMessageContaining("not be durable");
        assertThatThrownBy(() -> JdbcStore.open(null)).isInstanceOf(StoreException.class);
    }

    @Test
    void aDatabaseThatCannotBeOpenedSaysWhy() throws Exception {
        assertThatThrownBy(() -> JdbcStore.open("jdbc:sqlite:" + dir.resolve("no/such/dir/nimbo.db")))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open database sqlite:" + dir.resolve("no/such/dir/nimbo.db"))
                .hasMessageContaining("does not exist")
                .hasMessageNotContaining("\n");

        Path junk = dir.resolve("junk.db");
        Files.writeString(junk, "this is not a database, just some text long enough to fill a header".repeat(20));
        assertThatThrownBy(() -> JdbcStore.open("jdbc:sqlite:" + junk))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("not a database")
                .hasMessageNotContaining("\n");
    }
}
