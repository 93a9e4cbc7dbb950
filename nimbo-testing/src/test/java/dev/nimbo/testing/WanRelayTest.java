package dev.nimbo.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The emulated WAN link: delay, rate, cut and restore, against a local echo server. */
class WanRelayTest {
    ServerSocket echo;
    WanRelay relay;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException e) {
                            // peer gone
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stop() throws IOException {
        if (relay != null) {
            relay.close();
        }
        echo.close();
    }

    static long roundTripMs(Socket s) throws IOException {
        long t0 = System.nanoTime();
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
        assertThat(s.getInputStream().read()).isEqualTo(1);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void delaysEachDirectionAndLimitsTheRate() throws Exception {
        relay = WanRelay.loopback(echo.getLocalPort(), WanRelay.Shape.wan(Duration.ofMillis(200), Duration.ZERO, 20));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            s.setTcpNoDelay(true);
            long rtt = roundTripMs(s);
            assertThat(rtt).as("one byte there and back over 2 x 100 ms").isBetween(195L, 2_000L);
            // 2.5 MB at 20 Mbit/s each way: 1 s of wire time at least, echoed back in parallel
            byte[] block = new byte[2_500_000];
            long t0 = System.nanoTime();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(block);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            s.getInputStream().readNBytes(block.length);
            writer.join();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("2.5 MB at 20 Mbit/s").isGreaterThanOrEqualTo(1_000L);
        }
        assertThat(relay.bytesUp()).isEqualTo(2_500_001L);
    }

    @Test
    void aCutCarriesNothingRefusesNewConnectionsAndRestoreResetsTheOldOnes() throws Exception {
        relay = WanRelay.loopback(echo.getLocalPort(), WanRelay.Shape.NONE);
        Socket old = new Socket(InetAddress.getLoopbackAddress(), relay.port());
        assertThat(roundTripMs(old)).isLessThan(2_000L);
        relay.cut();
        assertThat(relay.command("stats")).contains("cut=true");
        old.setSoTimeout(500);
        old.getOutputStream().write(7);
        assertThatThrownBy(() -> old.getInputStream().read()).as("blackholed: no answer, no close")
                .isInstanceOf(SocketTimeoutException.class);
        try (Socket refused = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            refused.setSoTimeout(5_000);
            assertThat(readOrReset(refused.getInputStream())).isEqualTo(-1);
        }
        assertThat(relay.refused()).isEqualTo(1);

        relay.restore();
        old.setSoTimeout(5_000);
        assertThat(readOrReset(old.getInputStream())).as("a connection that lived through the cut is reset")
                .isEqualTo(-1);
        old.close();
        try (Socket fresh = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            fresh.setSoTimeout(5_000);
            assertThat(roundTripMs(fresh)).isLessThan(2_000L);
        }
        assertThat(relay.command("shape 10 2 100")).startsWith("shaped");
        assertThatThrownBy(() -> relay.command("bogus")).isInstanceOf(IllegalArgumentException.class);
    }

    /** -1 for a closed or reset connection. */
    static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException e) {
            return -1;
        }
    }
}
