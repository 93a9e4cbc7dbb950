package dev.nimbo.client.xmlrpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated bodies: each must decode or fail with XmlRpcException — never any other exception,
 * never a hang. Seeded, so a failure reproduces.
 */
class XmlRpcFuzzTest {
    private static final int BODIES = 2_000;

    private static final String[] SNIPPETS = {
        "<value>", "</value>", "<array><data>", "</data></array>", "<struct><member><name>", "</name>", "</member></struct>",
        "<i4>", "</i4>", "<i8>2</i8>", "<int>99999999999</int>", "<boolean>2</boolean>", "<double>1e400</double>", "<double>",
        "<base64>@@</base64>", "<dateTime.iso8601>99999999T99:99:99</dateTime.iso8601>", "<nil/>", "<string>", "</string>",
        "<!DOCTYPE a [<!ENTITY e 'x'>]>", "<!DOCTYPE a SYSTEM 'file:///etc/passwd'>", "&e;", "&amp;", "&#0;", "&#x110000;", "&#xD800;",
        "&#65;", "<![CDATA[", "]]>", "<?pi x?>", "<!--", "-->", "<?xml version='1.0' encoding='latin1'?>",
        "<?xml version='1.0' encoding='UTF-16'?>", "xmlns:ex='urn:x'", "<ex:i8>", "</ex:i8>", "<param>", "</param>", "<params>",
        "</params>", "<methodName>", "</methodName>", "<fault>", "</fault>", " ", "\n", "\r", "\u0000", "'", "\"", "=", "<", ">", "/",
    };

    @Test
    void randomAndMutatedBodiesDecodeOrFailCleanly() {
        Random rnd = new Random(0x5EEDL);
        List<byte[]> corpus = corpus();
        int decoded = 0;
        for (int i = 0; i < BODIES; i++) {
            byte[] body = i % 10 == 0 ? randomBytes(rnd) : mutate(rnd, corpus.get(rnd.nextInt(corpus.size())));
            decoded += check(body);
        }
        // Mutations must not be so destructive that nothing decodes (then the fuzzing would be shallow).
        System.out.println("fuzz: " + decoded + " of " + BODIES + " bodies decoded");
        assertThat(decoded).isGreaterThan(BODIES / 20);
    }

    /** Returns 1 if either decoder accepted the body. */
    private static int check(byte[] body) {
        int ok = 0;
        try {
            XmlRpcCodec.decodeRequest(body, 64 * 1024);
            ok = 1;
        } catch (XmlRpcException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
        } catch (Throwable t) {
            throw new AssertionError("decodeRequest threw " + t + " for body hex " + HexFormat.of().formatHex(body), t);
        }
        try {
            XmlRpcCodec.decodeResponse(body);
            ok = 1;
        } catch (XmlRpcFaultException e) {
            ok = 1; // a well-formed fault; its text is the peer's and may span lines
        } catch (XmlRpcException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
        } catch (Throwable t) {
            throw new AssertionError("decodeResponse threw " + t + " for body hex " + HexFormat.of().formatHex(body), t);
        }
        return ok;
    }

    private static List<byte[]> corpus() {
        Map<String, Object> struct = new LinkedHashMap<>();
        struct.put("ID", 7);
        struct.put("NAME", "vm <one> & \"two\"");
        struct.put("BIG", Long.MAX_VALUE);
        struct.put("LIST", List.of(1.5, true, new byte[] {1, 2, 3}, LocalDateTime.of(2020, 1, 2, 3, 4, 5)));
        struct.put("NIL", null);
        List<byte[]> c = new ArrayList<>();
        c.add(XmlRpcCodec.encodeRequest("one.vm.allocate", List.of("oneadmin:pw", "CPU=1\nMEMORY=128", false)));
        c.add(XmlRpcCodec.encodeRequest("one.x", Arrays.asList(struct, List.of(List.of(List.of("deep"))), null, "é😀")));
        c.add(XmlRpcCodec.encodeResponse(List.of(true, "<VM><ID>0</ID></VM>", 0)));
        c.add(XmlRpcCodec.encodeResponse(struct));
        c.add(XmlRpcCodec.encodeFault(-1, "no such method"));
        c.add(("<?xml version=\"1.0\"?>\n<methodCall>\n <methodName>m</methodName>\n <params>\n  <param>\n   <value>\n"
                + "    <int> 5 </int>\n   </value>\n  </param>\n  <param><value>untyped</value></param>\n"
                + "  <param><value><base64>\n aGVsbG8=\n</base64></value></param>\n </params>\n</methodCall>\n")
                .getBytes(StandardCharsets.UTF_8));
        return c;
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(200)];
        if (rnd.nextBoolean()) {
            rnd.nextBytes(b);
        } else {
            String alphabet = "<>/=&;#'\" abcdeilnrtvx019?!-[]"; // markup-heavy ASCII
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
            }
        }
        return b;
    }

    private static byte[] mutate(Random rnd, byte[] seed) {
        byte[] b = seed.clone();
        int rounds = rnd.nextInt(3) == 0 ? 2 + rnd.nextInt(3) : 1;
        for (int r = 0; r < rounds; r++) {
            if (b.length == 0) {
                return b;
            }
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(9)) {
                case 0 -> b[at] = (byte) rnd.nextInt(256); // flip a byte
                case 7 -> { // gentle: change a digit or letter into another, mostly still well-formed
                    if (Character.isLetterOrDigit(b[at])) {
                        b[at] = (byte) "0123456789-+.aZ".charAt(rnd.nextInt(15));
                    }
                }
                case 8 -> { // gentle: whitespace after a tag
                    int gt = indexOf(b, (byte) '>', at);
                    if (gt >= 0) {
                        b = concat(concat(Arrays.copyOfRange(b, 0, gt + 1), " \n\t".getBytes(StandardCharsets.US_ASCII)),
                                Arrays.copyOfRange(b, gt + 1, b.length));
                    }
                }
                case 1 -> b = Arrays.copyOf(b, at); // truncate
                case 2 -> { // delete a range
                    int end = Math.min(b.length, at + 1 + rnd.nextInt(20));
                    b = concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, end, b.length));
                }
                case 3 -> { // duplicate a range
                    int end = Math.min(b.length, at + 1 + rnd.nextInt(40));
                    b = concat(Arrays.copyOfRange(b, 0, end), Arrays.copyOfRange(b, at, b.length));
                }
                default -> { // splice in a snippet
                    byte[] s = SNIPPETS[rnd.nextInt(SNIPPETS.length)].getBytes(StandardCharsets.UTF_8);
                    b = concat(concat(Arrays.copyOfRange(b, 0, at), s), Arrays.copyOfRange(b, at, b.length));
                }
            }
        }
        return b;
    }

    private static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
