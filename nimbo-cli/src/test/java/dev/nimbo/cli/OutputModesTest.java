package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -x/-j/--csv, --list, --filter, --search, --no-header, -w and terminal width on real commands. */
class OutputModesTest {
    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start()
                .ok("one.userpool.info", Docs.USER_POOL)
                .ok("one.user.info", Docs.USER_ALICE)
                .ok("one.grouppool.info", Docs.GROUP_POOL)
                .ok("one.zonepool.info", Docs.ZONE_POOL);
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void csvWithChosenColumns() {
        var r = cli.run("user", "list", "--csv", "--list", "ID,NAME,VMS");
        assertThat(r.out()).isEqualTo("ID,NAME,VMS\n0,oneadmin,-\n1,alice,2 / 10\n2,bob,0 / 10\n");
        var n = cli.run("user", "list", "--csv", "--list", "ID,NAME", "--no-header");
        assertThat(n.out()).isEqualTo("0,oneadmin\n1,alice\n2,bob\n");
    }

    @Test
    void jsonListKeepsPoolItemsAsArrayAndAppliesFilters() {
        var r = cli.run("user", "list", "-j", "--filter", "NAME=alice");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("{\n  \"USER_POOL\": {\n    \"USER\": [\n      {\n        \"ID\": \"1\",")
                .contains("\"GROUPS\": {\n          \"ID\": [\n            \"1\",\n            \"100\"\n          ]")
                .contains("\"DEFAULT_USER_QUOTAS\"")
                .doesNotContain("\"bob\"");
    }

    @Test
    void xmlShowIsTheServerDocument() {
        var r = cli.run("user", "show", "1", "-x");
        assertThat(r.out()).startsWith("<USER>\n  <ID>1</ID>\n").contains("<EMAIL>alice@example.org</EMAIL>")
                .contains("<SSH_PUBLIC_KEY>ssh-ed25519 AAAA \"k\"</SSH_PUBLIC_KEY>");
    }

    @Test
    void xmlListDropsFilteredItems() {
        var r = cli.run("group", "list", "-x", "--filter", "USERS~^[2-9]");
        assertThat(r.out()).contains("<NAME>devs</NAME>").doesNotContain("<NAME>users</NAME>").contains("<QUOTAS>");
    }

    @Test
    void filtersAndSearch() {
        assertThat(cli.run("user", "list", "--list", "NAME", "--no-header", "--filter", "ENABLED=yes", "--filter", "AUTH!=ldap").out())
                .isEqualTo("oneadmin\nalice\n");
        assertThat(cli.run("user", "list", "--list", "NAME", "--no-header", "--filter", "name~^b").out()).isEqualTo("bob\n");
        assertThat(cli.run("user", "list", "--list", "ID", "--no-header", "--search", "DEVS").out()).isEqualTo("2\n");
        assertThat(cli.run("user", "list", "--filter", "NAME=nobody").out()).isEqualTo(
                "ID NAME GROUP AUTH ENABLED VMS MEMORY CPU\n");
    }

    @Test
    void badColumnsAndFiltersAreUsageErrors() {
        var r = cli.run("user", "list", "--list", "ID,COLOR");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("nimbo: unknown column 'COLOR' in --list; user columns: ID, NAME,");
        assertThat(cli.run("user", "list", "--filter", "NAME").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("user", "list", "--filter", "NAME~(").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("user", "list", "--filter", "SHOE=1").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("user", "list", "-j", "--csv").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("user", "show", "1", "--csv").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void globalOptionsWorkBeforeTheCommandToo() {
        assertThat(cli.run("--csv", "--no-header", "--list", "NAME", "zone", "list").out()).isEqualTo("OpenNebula\nedge-eu\n");
    }

    @Test
    void narrowTerminalCutsWideColumnsFirst() {
        var r = cli.env("COLUMNS", "40").run("zone", "list");
        assertThat(r.out().lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(40));
        assertThat(r.out()).contains("ENABLED").contains("~"); // the state survives, the endpoint is cut
    }

    @Test
    void watchRepeatsTheListing() {
        var r = cli.run("zone", "list", "-w", "1", "--watch-count", "2", "--list", "NAME", "--no-header");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("OpenNebula\nedge-eu\n\nOpenNebula\nedge-eu\n");
        assertThat(fake.methods()).containsExactly("one.zonepool.info", "one.zonepool.info");
    }
}
