package dev.nimbo.server.auth.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.cli.Io;
import dev.nimbo.cli.Nimbo;
import dev.nimbo.client.OneResponse;
import dev.nimbo.client.auth.SshKeys;
import dev.nimbo.client.auth.SshLoginToken;
import dev.nimbo.server.auth.InProcessNimbod;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ssh driver end to end: keys from ssh-keygen (OpenSSH format; JDK-generated PKCS#8 keys when ssh-keygen is
 * missing), registration of the public key as PASSWORD, signed login tokens through the CLI and directly, and
 * every refusal: wrong key, unknown user, disabled user, expired, replayed, too long-lived.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshAuthTest {
    static final String GENERIC = "User couldn't be authenticated, aborting call.";
    Path dir;
    InProcessNimbod nimbod;

    record Key(Path privateFile, String publicLine) {
    }

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("nimbo-ssh-");
        nimbod = new InProcessNimbod(dir.resolve("data"), "auth:\n  authn: [core, server_cipher, ssh]\n  ssh:\n    max_validity: 300\n");
    }

    @AfterAll
    void stop() {
        nimbod.close();
    }

    /** A fresh key pair: ssh-keygen's own output when available. */
    Key key(String type) throws Exception {
        Path priv = Files.createTempFile(dir, type, "");
        Files.delete(priv);
        try {
            Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "test", "-f", priv.toString())
                    .redirectErrorStream(true).start();
            if (p.waitFor() == 0) {
                return new Key(priv, Files.readString(Path.of(priv + ".pub")).strip());
            }
        } catch (java.io.IOException noSshKeygen) {
            // fall through to the JDK
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance(type.equals("rsa") ? "RSA" : "Ed25519");
        KeyPair kp = g.generateKeyPair();
        Files.writeString(priv, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(kp.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return new Key(priv, SshKeys.openSshLine(kp.getPublic()));
    }

    String token(String user, Key k, long expiry) throws Exception {
        return SshLoginToken.sign(user, SshKeys.parsePrivate(Files.readString(k.privateFile())), expiry);
    }

    long now() {
        return System.currentTimeMillis() / 1000;
    }

    int createUser(String name, String publicKey) {
        OneResponse r = nimbod.admin("one.user.allocate", name, publicKey, "ssh", new Object[0]);
        assertThat(r.ok()).as("allocate: %s", r.ok() ? "" : r.message()).isTrue();
        return ((Number) r.value()).intValue();
    }

    @Test
    void cliLoginWithAnEd25519KeyStoresATokenThatWorks() throws Exception {
        Key k = key("ed25519");
        createUser("sshalice", k.publicLine());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = new HashMap<>();
        env.put("HOME", dir.toString());
        Io io = new Io(env, new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err), null, false,
                Clock.systemUTC());
        int exit = Nimbo.run(io, "user", "login", "sshalice", "--ssh-key", k.privateFile().toString(), "--stdout",
                "--endpoint", nimbod.endpoint().toString(), "--time", "600");
        assertThat(exit).as(err.toString()).isZero();
        String session = out.toString().strip();
        assertThat(session).startsWith("sshalice:");
        String xml = (String) ok(nimbod.as(session, "one.user.info", -1)).value();
        assertThat(xml).contains("<AUTH_DRIVER>ssh</AUTH_DRIVER>").contains(k.publicLine().split(" ")[1]);
    }

    @Test
    void rsaKeySignsToo() throws Exception {
        Key k = key("rsa");
        createUser("sshrsa", k.publicLine());
        ok(nimbod.as("sshrsa:" + token("sshrsa", k, now() + 60), "one.user.info", -1));
    }

    @Test
    void openNebulaStylePkcs1PublicKeyIsAccepted() throws Exception {
        KeyPair kp = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        // OpenNebula keeps base64 DER PKCS#1 RSAPublicKey: strip the SPKI header the JDK puts around it
        byte[] spki = kp.getPublic().getEncoded();
        byte[] pkcs1 = java.util.Arrays.copyOfRange(spki, 24, spki.length);
        createUser("sshone", Base64.getEncoder().encodeToString(pkcs1));
        Path priv = dir.resolve("one.pem");
        Files.writeString(priv, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(kp.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        ok(nimbod.as("sshone:" + token("sshone", new Key(priv, ""), now() + 60), "one.user.info", -1));
    }

    @Test
    void wrongKeyUnknownUserAndPasswordsAreRefusedAlike() throws Exception {
        Key mine = key("ed25519");
        Key other = key("ed25519");
        createUser("sshbob", mine.publicLine());
        fails(nimbod.as("sshbob:" + token("sshbob", other, now() + 60), "one.user.info", -1));
        fails(nimbod.as("sshnobody:" + token("sshnobody", mine, now() + 60), "one.user.info", -1));
        fails(nimbod.as("sshbob:" + mine.publicLine(), "one.user.info", -1)); // the public key is not a secret
        // a token signed for another user name does not work for this one
        fails(nimbod.as("sshbob:" + token("someone-else", mine, now() + 60), "one.user.info", -1));
    }

    @Test
    void disabledUserIsRefused() throws Exception {
        Key k = key("ed25519");
        int uid = createUser("sshcarol", k.publicLine());
        ok(nimbod.admin("one.user.enable", uid, false));
        fails(nimbod.as("sshcarol:" + token("sshcarol", k, now() + 60), "one.user.info", -1));
    }

    @Test
    void expiredReplayedAndTooLongLivedTokensAreRefused() throws Exception {
        Key k = key("ed25519");
        createUser("sshdave", k.publicLine());
        OneResponse expired = nimbod.as("sshdave:" + token("sshdave", k, now() - 1), "one.user.info", -1);
        fails(expired);
        assertThat(expired.message()).contains("expired");
        String once = "sshdave:" + token("sshdave", k, now() + 60);
        ok(nimbod.as(once, "one.user.info", -1));
        OneResponse replay = nimbod.as(once, "one.user.info", -1);
        fails(replay);
        assertThat(replay.message()).contains("already used");
        fails(nimbod.as("sshdave:" + token("sshdave", k, now() + 3600), "one.user.info", -1));
    }

    @Test
    void invalidPublicKeyIsRefusedAtCreationAndPasswdChangesTheKey() throws Exception {
        OneResponse bad = nimbod.admin("one.user.allocate", "sshbad", "ssh-ed25519 not-base64!", "ssh", new Object[0]);
        assertThat(bad.ok()).isFalse();
        assertThat(bad.errorCode()).isEqualTo(0x4000);
        assertThat(bad.message()).contains("SSH public key");
        Key first = key("ed25519");
        Key second = key("ed25519");
        int uid = createUser("sshrotate", first.publicLine());
        ok(nimbod.admin("one.user.passwd", uid, second.publicLine()));
        fails(nimbod.as("sshrotate:" + token("sshrotate", first, now() + 60), "one.user.info", -1));
        ok(nimbod.as("sshrotate:" + token("sshrotate", second, now() + 60), "one.user.info", -1));
        OneResponse garbage = nimbod.admin("one.user.passwd", uid, "garbage");
        assertThat(garbage.ok()).isFalse();
        assertThat(garbage.errorCode()).isEqualTo(0x800);
    }

    @Test
    void openNebulaCliTokensAreAcceptedOnce() throws Exception {
        KeyPair kp = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        byte[] spki = kp.getPublic().getEncoded();
        createUser("sshonecli", Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(spki, 24, spki.length)));
        // what oneuser login --ssh sends: "user:expiry" encrypted with the private key (PKCS#1 v1.5), base64
        java.util.function.BiFunction<String, Long, String> oneToken = (user, expiry) -> {
            try {
                javax.crypto.Cipher rsa = javax.crypto.Cipher.getInstance("RSA/ECB/PKCS1Padding");
                rsa.init(javax.crypto.Cipher.ENCRYPT_MODE, kp.getPrivate());
                return Base64.getEncoder().encodeToString(rsa.doFinal((user + ":" + expiry).getBytes()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        String token = oneToken.apply("sshonecli", now() + 36000);
        String oned = (String) ok(nimbod.as("sshonecli:" + token, "one.user.login", "sshonecli", "", 36000, -1)).value();
        ok(nimbod.as("sshonecli:" + oned, "one.user.info", -1));
        fails(nimbod.as("sshonecli:" + token, "one.user.info", -1)); // replayed
        fails(nimbod.as("sshonecli:" + oneToken.apply("sshonecli", now() - 5), "one.user.info", -1)); // expired
        fails(nimbod.as("sshonecli:" + oneToken.apply("someoneelse", now() + 60), "one.user.info", -1));
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }

    static void fails(OneResponse r) {
        assertThat(r.ok()).as("expected an authentication failure, got %s", r.value()).isFalse();
        assertThat(r.errorCode()).isEqualTo(0x100);
        assertThat(r.message()).contains(GENERIC);
    }
}
