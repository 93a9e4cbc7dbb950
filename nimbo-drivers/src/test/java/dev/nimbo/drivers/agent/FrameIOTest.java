package dev.nimbo.drivers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameIOTest {

    @Test
    void roundTripsFramesWithUnicodeAttributesAndBodies() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameIO w = new FrameIO(new ByteArrayInputStream(new byte[0]), out);
        Frame a = new Frame(7, Frame.REQUEST, Map.of("op", "vmm", "template", "NAME=\"café\"\n"), new byte[] {1, 2, 3});
        w.write(a);
        w.write(Frame.of(Frame.PING, Map.of()));
        FrameIO r = new FrameIO(new ByteArrayInputStream(out.toByteArray()), new ByteArrayOutputStream());
        Frame b = r.read();
        assertThat(b.id()).isEqualTo(7);
        assertThat(b.attrs()).isEqualTo(a.attrs());
        assertThat(b.body()).containsExactly(1, 2, 3);
        assertThat(r.read().type()).isEqualTo(Frame.PING);
        assertThatThrownBy(r::read).isInstanceOf(EOFException.class);
    }

    @Test
    void hostileLengthsAreProtocolErrorsNotAllocations() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DataOutputStream(out).writeInt(Integer.MAX_VALUE);
        assertThatThrownBy(() -> new FrameIO(new ByteArrayInputStream(out.toByteArray()), out).read())
                .isInstanceOf(FrameIO.ProtocolException.class).hasMessageContaining("frame of");
        ByteArrayOutputStream lying = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(lying);
        d.writeInt(16);
        d.writeLong(1);
        d.writeInt(1_000_000); // a type string longer than the frame
        d.writeInt(0);
        assertThatThrownBy(() -> new FrameIO(new ByteArrayInputStream(lying.toByteArray()), out).read())
                .isInstanceOf(FrameIO.ProtocolException.class);
    }

    @Test
    void theCaIssuesForValidRequestsOnlyAndTokensParse() throws Exception {
        KeyPair ca = AgentPki.newKeyPair();
        X509Certificate caCert = AgentPki.selfSignedCa(ca, "test CA", Duration.ofDays(1));
        KeyPair host = AgentPki.newKeyPair();
        X509Certificate c = AgentPki.issue(AgentPki.certificateRequest(host, "whatever"), "host-4", ca.getPrivate(),
                caCert, Duration.ofDays(1));
        c.verify(caCert.getPublicKey());
        assertThat(AgentPki.commonName(c)).isEqualTo("host-4"); // the CA names hosts, not the request
        assertThat(c.getPublicKey()).isEqualTo(host.getPublic());
        byte[] tampered = AgentPki.certificateRequest(host, "x");
        tampered[tampered.length - 5] ^= 1;
        assertThatThrownBy(() -> AgentPki.issue(tampered, "host-4", ca.getPrivate(), caCert, Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(AgentPki.readKeyPair(AgentPki.pem(host)).getPrivate()).isEqualTo(host.getPrivate());

        EnrolmentToken t = EnrolmentToken.create(12, AgentPki.fingerprint(caCert));
        assertThat(EnrolmentToken.parse(t.text())).isEqualTo(t);
        assertThatThrownBy(() -> EnrolmentToken.parse("nimbo1.x.y." + "0".repeat(64)))
                .hasMessageContaining("bad host ID");
    }
}
