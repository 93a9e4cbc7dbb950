package dev.nimbo.core.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExprTest {

    private static final Attributes HOST = new Attributes() {
        private final Map<String, String> one = Map.of("HYPERVISOR", "kvm", "FREE_CPU", "350", "RUNNING_VMS", "3",
                "COLOR", "red", "NAME", "edge-07.site", "CLUSTER_ID", "100", "LOAD", "0.75", "PIN_POLICY", "PINNED");

        @Override
        public String get(String name) {
            return one.get(name);
        }

        @Override
        public List<String> all(String name) {
            return name.equals("CLUSTERS/ID") ? List.of("0", "100") : Attributes.super.all(name);
        }
    };

    private static boolean req(String text) {
        return Requirement.compile(text).test(HOST);
    }

    private static double rank(String text) {
        return Rank.compile(text).score(HOST);
    }

    @Test
    void comparesNumbersAndStrings() {
        assertThat(req("FREE_CPU > 100")).isTrue();
        assertThat(req("FREE_CPU > 350")).isFalse();
        assertThat(req("FREE_CPU >= 350")).isTrue();
        assertThat(req("FREE_CPU <= 349")).isFalse();
        assertThat(req("FREE_CPU < 351.5")).isTrue();
        assertThat(req("LOAD = 0.75")).isTrue();
        assertThat(req("CLUSTER_ID = 100")).isTrue();
        assertThat(req("CLUSTER_ID != 100")).isFalse();
        assertThat(req("HYPERVISOR = kvm")).isTrue();
        assertThat(req("HYPERVISOR = \"kvm\"")).isTrue();
        assertThat(req("HYPERVISOR != \"kvm\"")).isFalse();
        assertThat(req("CPU_USAGE > -1")).isFalse(); // missing attribute: false
    }

    @Test
    void missingAttributesAreFalseForEveryOperator() {
        assertThat(req("MISSING = 1")).isFalse();
        assertThat(req("MISSING != 1")).isFalse();
        assertThat(req("MISSING != \"x\"")).isFalse();
        assertThat(req("!(MISSING = YES)")).isTrue();
    }

    @Test
    void wildcards() {
        assertThat(req("NAME = \"edge-*\"")).isTrue();
        assertThat(req("NAME = \"core-*\"")).isFalse();
        assertThat(req("NAME = \"edge-0?.site\"")).isTrue();
        assertThat(req("NAME = \"edge-[0-9][0-9].*\"")).isTrue();
        assertThat(req("NAME != \"edge-*\"")).isFalse();
        assertThat(req("COLOR = \"r*\"")).isTrue();
    }

    @Test
    void booleanOperatorsGroupLeftToRightAtOnePrecedenceAsOned() {
        assertThat(req("COLOR = red & HYPERVISOR = kvm")).isTrue();
        assertThat(req("COLOR = blue | HYPERVISOR = kvm")).isTrue();
        assertThat(req("!(COLOR = blue) & !(PUBLIC_CLOUD = YES)")).isTrue();
        // (true | x) & false: false with oned's flat precedence (C-like precedence would say true)
        assertThat(req("COLOR = red | HYPERVISOR = xen & FREE_CPU > 1000")).isFalse();
        assertThat(req("COLOR = red | (HYPERVISOR = xen & FREE_CPU > 1000)")).isTrue();
        assertThat(req("! COLOR = blue")).isTrue();
        assertThat(req("(PIN_POLICY = PINNED)")).isTrue();
    }

    @Test
    void containsOperatorOverMultiValuedAttributes() {
        assertThat(req("\"CLUSTERS/ID\" @> 100")).isTrue();
        assertThat(req("\"CLUSTERS/ID\" @> 101")).isFalse();
        assertThat(req("(\"CLUSTERS/ID\" @> 7 | \"CLUSTERS/ID\" @> 0)")).isTrue();
        assertThat(req("COLOR @> \"r*\"")).isTrue();
    }

    @Test
    void emptyExpressionsAreNeutral() {
        assertThat(Requirement.compile("  ").test(HOST)).isTrue();
        assertThat(Requirement.compile(null).isAlways()).isTrue();
        assertThat(rank("")).isZero();
    }

    @Test
    void rankArithmetic() {
        assertThat(rank("RUNNING_VMS")).isEqualTo(3);
        assertThat(rank("- RUNNING_VMS")).isEqualTo(-3);
        assertThat(rank("-RUNNING_VMS")).isEqualTo(-3);
        assertThat(rank("FREE_CPU - 50")).isEqualTo(300);
        assertThat(rank("FREE_CPU -50")).isEqualTo(300);
        assertThat(rank("FREE_CPU * 2 + RUNNING_VMS")).isEqualTo(703);
        assertThat(rank("(FREE_CPU + 50) / 4")).isEqualTo(100);
        assertThat(rank("FREE_CPU / (RUNNING_VMS - 3)")).isZero();
        assertThat(rank("MISSING + 1")).isEqualTo(1);
        assertThat(rank("-5 * -2")).isEqualTo(10);
        assertThat(rank("LOAD * 100")).isEqualTo(75);
    }

    @Test
    void parseErrorsSayWhere() {
        assertThatThrownBy(() -> Requirement.compile("FREE_CPU > "))
                .isInstanceOf(ExprException.class)
                .hasMessage("syntax error at position 11: expected a value after '>', found the end of the expression")
                .extracting(e -> ((ExprException) e).position()).isEqualTo(11);
        assertThat(Requirement.check("CPU = 1 & (MEM > 2").position()).isEqualTo(18);
        assertThat(Requirement.check("CPU = 1 & (MEM > 2").getMessage()).contains("expected ')'");
        assertThat(Requirement.check("CPU == 1").position()).isEqualTo(5);
        assertThat(Requirement.check("HOST = \"abc").getMessage())
                .isEqualTo("syntax error at position 7: unterminated string");
        assertThat(Requirement.check("NAME > \"a\"").getMessage()).contains("compares numbers");
        assertThat(Requirement.check("A = 1 B = 2").position()).isEqualTo(6);
        assertThat(Requirement.check("A = 1 # x").getMessage()).contains("unexpected character '#'");
        assertThat(Requirement.check("A @ 1").getMessage()).contains("'@>'");
        assertThat(Rank.check("FREE_CPU +").position()).isEqualTo(10);
        assertThat(Rank.check("FREE_CPU RUNNING_VMS").position()).isEqualTo(9);
        assertThat(Rank.check("(1 + 2").getMessage()).contains("expected ')'");
        assertThat(Rank.check("FREE_CPU = 3")).isNotNull();
        assertThat(Requirement.check("FREE_CPU > 3 & !(A = b)")).isNull();
    }
}
