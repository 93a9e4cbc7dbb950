package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.cli.user.UserCommand;
import dev.nimbo.cli.xml.Xml;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Name→ID resolution through the pool listing. */
class KindTest {
    static final String POOL = "<USER_POOL><USER><ID>0</ID><NAME>oneadmin</NAME></USER><USER><ID>4</ID><NAME>ann</NAME></USER>"
            + "<USER><ID>5</ID><NAME>twin</NAME></USER><USER><ID>6</ID><NAME>twin</NAME></USER>"
            + "<USER><ID>7</ID><NAME>42x</NAME></USER></USER_POOL>";

    @Test
    void resolvesNamesInAPool() {
        var pool = Xml.parse(POOL);
        assertThat(UserCommand.KIND.resolveIn(pool, "ann")).isEqualTo(4);
        assertThat(UserCommand.KIND.resolveIn(pool, "42x")).isEqualTo(7);
        assertThatThrownBy(() -> UserCommand.KIND.resolveIn(pool, "Ann"))
                .isInstanceOf(CliException.class).hasMessage("user 'Ann' not found");
        assertThatThrownBy(() -> UserCommand.KIND.resolveIn(pool, "twin"))
                .hasMessage("several users are named 'twin' (IDs 5, 6); give the ID");
    }

    @Test
    void numbersNeedNoCallNamesOneCall(@TempDir Path home) {
        try (FakeOne fake = FakeOne.start().ok("one.userpool.info", POOL)) {
            Nimbo nimbo = new Nimbo(new Io(Cli.against(fake, home).env, System.in, null, null, null, false, null));
            Api api = nimbo.api();
            assertThat(UserCommand.KIND.resolve(api, "12")).isEqualTo(12);
            assertThat(UserCommand.KIND.resolve(api, "-1")).isEqualTo(-1);
            assertThat(fake.calls()).isEmpty();
            assertThat(UserCommand.KIND.resolve(api, "ann")).isEqualTo(4);
            assertThat(fake.methods()).containsExactly("one.userpool.info");
            assertThatThrownBy(() -> UserCommand.KIND.resolve(api, "99999999999")).hasMessageContaining("out of range");
        }
    }
}
