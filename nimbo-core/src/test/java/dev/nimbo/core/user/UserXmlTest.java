package dev.nimbo.core.user;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.group.Group;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class UserXmlTest {

    @Test
    void userRoundTripsThroughItsStoredXml() {
        User u = new User(7, "alice", 100, "team", new TreeSet<>(Set.of(1, 100)), "pbkdf2-sha256$1$x$y", "core", false,
                List.of(new LoginToken("abc", 123, -1)), Template.parse("EMAIL = \"a@b\""),
                QuotaSet.EMPTY.update(Template.parse("VM = [ VMS = 3 ]")));
        User back = User.fromXml(XmlNode.parse(u.toXml()));
        assertThat(back).isEqualTo(u);
        assertThat(u.toXml()).startsWith("<USER><ID>7</ID><GID>100</GID><GROUPS><ID>1</ID><ID>100</ID></GROUPS>"
                + "<GNAME>team</GNAME><NAME>alice</NAME>");
    }

    @Test
    void groupRoundTripsThroughItsStoredXml() {
        Group g = new Group(100, "team", Template.EMPTY, Set.of(3, 7), Set.of(7), QuotaSet.EMPTY);
        assertThat(Group.fromXml(XmlNode.parse(g.toXml()))).isEqualTo(g);
    }

    @Test
    void passwordHasherVerifiesOnlyTheRightPassword() {
        PasswordHasher h = new PasswordHasher(1000);
        String stored = h.hash("s3cret");
        assertThat(stored).startsWith("pbkdf2-sha256$1000$");
        assertThat(h.verify("s3cret", stored)).isTrue();
        assertThat(h.verify("s3creT", stored)).isFalse();
        assertThat(h.verify("s3cret", "garbage")).isFalse();
        assertThat(h.hash("s3cret")).isNotEqualTo(stored);
    }
}
