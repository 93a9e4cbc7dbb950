package dev.nimbo.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.testing.PostgresFixture;
import org.junit.jupiter.api.Test;

class PostgresStoreTest extends StoreContract {

    @Override
    String newUrl() {
        return PostgresFixture.freshDatabase("store");
    }

    @Test
    void describesServerAndDatabaseWithoutCredentials() {
        try (JdbcStore store = JdbcStore.open(url)) {
            String db = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
            assertThat(store.describe()).startsWith("postgresql://").endsWith("/" + db)
                    .doesNotContain("user=").doesNotContain("password");
        }
    }

    @Test
    void anUnreachableServerSaysWhy() {
        assertThatThrownBy(() -> JdbcStore.open("jdbc:postgresql://127.0.0.1:1/nimbo?user=nimbo&password=s3cret"))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open database postgresql://127.0.0.1:1/nimbo: ")
                .hasMessageContaining("refused")
                .hasMessageNotContaining("s3cret")
                .hasMessageNotContaining("\n");
    }
}
