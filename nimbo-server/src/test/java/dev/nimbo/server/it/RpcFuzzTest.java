package dev.nimbo.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneClient;
import dev.nimbo.testing.NimbodProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Throws random and mutated bodies at /RPC2 of a real daemon: each must get a well-formed XML-RPC answer
 * (a fault or an error envelope), never a crash or a stack trace, and the daemon must keep serving.
 */
@ParallelSafe
class RpcFuzzTest {
    private static final String[] SEEDS = {
        "<?xml version=\"1.0\"?><methodCall><methodName>one.user.info</methodName><params>"
                + "<param><value><string>oneadmin:" + NimbodProcess.ADMIN_PASSWORD + "</string></value></param>"
                + "<param><value><i4>0</i4></value></param></params></methodCall>",
        "<methodCall><methodName>one.user.allocate</methodName><params><param><value>oneadmin:"
                + NimbodProcess.ADMIN_PASSWORD + "</value></param><param><value>fz</value></param>"
                + "<param><value>pw</value></param><param><value></value></param><param><value><array><data>"
                + "<value><int>1</int></value></data></array></value></param></params></methodCall>",
        "<methodCall><methodName>one.acl.addrule</methodName><params><param><value>oneadmin:"
                + NimbodProcess.ADMIN_PASSWORD + "</value></param><param><value>0x100000001</value></param>"
                + "<param><value>0x1000000000</value></param><param><value>0x1</value></param></params></methodCall>",
        "<methodCall><methodName>one.document.allocate</methodName><params><param><value>oneadmin:"
                + NimbodProcess.ADMIN_PASSWORD + "</value></param><param><value>NAME=\"a\"\nX=[Y=1]</value></param>"
                + "<param><value><i4>1</i4></value></param></params></methodCall>",
    };

    @Test
    void randomBodiesNeverBreakTheDaemon() throws Exception {
        try (NimbodProcess nimbod = NimbodProcess.start(Files.createTempDirectory("nimbod-fuzz-"), null);
             OneClient client = nimbod.client()) {
            Random random = new Random(20261122L);
            for (int i = 0; i < 1500; i++) {
                byte[] body = body(random, i);
                byte[] answer = client.post(body);
                String text = new String(answer, StandardCharsets.UTF_8);
                assertThat(text).as("answer to body #%d", i).startsWith("<?xml").contains("<methodResponse>")
                        .doesNotContain("Exception").doesNotContain("\tat ");
            }
            assertThat(client.call("one.system.version").ok()).isTrue();
            // Nothing half-created: every user in the pool renders completely.
            String users = client.call("one.userpool.info").stringValue();
            assertThat(users).startsWith("<USER_POOL>").endsWith("</USER_POOL>");
            assertThat(nimbod.log()).doesNotContain("ERROR");
        }
    }

    private static byte[] body(Random r, int i) {
        byte[] seed = SEEDS[r.nextInt(SEEDS.length)].getBytes(StandardCharsets.UTF_8);
        switch (i % 6) {
            case 0 -> { // random bytes
                byte[] b = new byte[r.nextInt(400)];
                r.nextBytes(b);
                return b;
            }
            case 1 -> { // flip bytes
                byte[] b = seed.clone();
                for (int k = 0, n = 1 + r.nextInt(6); k < n; k++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                return b;
            }
            case 2 -> { // truncate
                return java.util.Arrays.copyOf(seed, r.nextInt(seed.length));
            }
            case 3 -> { // swap a value type
                String[] types = {"i4", "int", "i8", "boolean", "double", "string", "base64", "dateTime.iso8601", "nil", "struct", "array"};
                String s = new String(seed, StandardCharsets.UTF_8);
                return s.replaceFirst("<i4>|<string>|<value>", "<value><" + types[r.nextInt(types.length)] + ">")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> { // deep nesting or a long string
                StringBuilder sb = new StringBuilder("<methodCall><methodName>one.user.info</methodName><params><param>");
                int depth = r.nextInt(200);
                sb.append("<value><array><data>".repeat(depth)).append("<value>x</value>")
                        .append("</data></array></value>".repeat(depth));
                sb.append("</param></params></methodCall>");
                return sb.toString().getBytes(StandardCharsets.UTF_8);
            }
            default -> { // splice two seeds
                String a = SEEDS[r.nextInt(SEEDS.length)];
                String b = SEEDS[r.nextInt(SEEDS.length)];
                int cut = r.nextInt(Math.min(a.length(), b.length()));
                return (a.substring(0, cut) + b.substring(cut)).getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void oversizedBodiesAreRefused() throws Exception {
        try (NimbodProcess nimbod = NimbodProcess.start(Files.createTempDirectory("nimbod-big-"), null);
             OneClient client = nimbod.client()) {
            String big = "x".repeat(17 * 1024 * 1024);
            String answer = new String(client.post(("<methodCall><methodName>one.system.version</methodName><params><param><value>"
                    + big + "</value></param></params></methodCall>").getBytes(StandardCharsets.UTF_8)));
            assertThat(answer).contains("<fault>").contains("limit");
            assertThat(client.call("one.system.version").ok()).isTrue();
            assertThat(List.of(answer.length())).allMatch(n -> n < 2000);
        }
    }
}
