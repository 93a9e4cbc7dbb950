package dev.nimbo.client.auth;

import java.math.BigInteger;
import java.nio.BufferUnderflowException;

/** The little DER reading PKCS#1 keys need: SEQUENCE and INTEGER. Not thread-safe (one reader per parse). */
final class Der {
    private Der() {
    }

    static final class Reader {
        private final byte[] data;
        private int pos;
        private final int end;

        Reader(byte[] data) {
            this(data, 0, data.length);
        }

        private Reader(byte[] data, int from, int to) {
            this.data = data;
            this.pos = from;
            this.end = to;
        }

        Reader sequence() {
            int len = header(0x30);
            Reader r = new Reader(data, pos, pos + len);
            pos += len;
            return r;
        }

        BigInteger integer() {
            int len = header(0x02);
            byte[] v = java.util.Arrays.copyOfRange(data, pos, pos + len);
            pos += len;
            return new BigInteger(v);
        }

        private int header(int tag) {
            if (pos + 2 > end || (data[pos] & 0xff) != tag) {
                throw new IllegalArgumentException("unexpected DER structure");
            }
            pos++;
            int len = data[pos++] & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n < 1 || n > 4 || pos + n > end) {
                    throw new IllegalArgumentException("bad DER length");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (data[pos++] & 0xff);
                }
            }
            if (len < 0 || pos + len > end) {
                throw new BufferUnderflowException();
            }
            return len;
        }
    }
}
