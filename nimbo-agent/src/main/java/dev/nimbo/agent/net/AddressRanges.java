package dev.nimbo.agent.net;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Address ranges of security group rules (IP and SIZE), IPv4 or IPv6: their last address (nftables matches
 * first-last) and the fewest CIDR blocks covering them (OpenFlow matches prefixes).
 */
final class AddressRanges {
    private AddressRanges() {
    }

    /** The last address of the range IP .. IP+size-1 (IPv4 or IPv6), kept inside the family's space. */
    static String lastAddress(String ip, long size) {
        byte[] raw = bytes(ip);
        BigInteger last = new BigInteger(1, raw).add(BigInteger.valueOf(size - 1))
                .min(BigInteger.ONE.shiftLeft(raw.length * 8).subtract(BigInteger.ONE));
        return address(last, raw.length);
    }

    private static byte[] bytes(String ip) {
        if (!ip.matches("[0-9a-fA-F:.]+")) {
            throw new NetworkException("security group rule IP '" + ip + "' is not an address");
        }
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new NetworkException("security group rule IP '" + ip + "' is not an address");
        }
    }

    /** The address as one hexadecimal number ({@code 0x} and 8 or 32 digits), for raw nftables payload matches. */
    static String hex(String ip) {
        StringBuilder b = new StringBuilder("0x");
        for (byte x : bytes(ip)) {
            b.append(String.format("%02x", x & 0xff));
        }
        return b.toString();
    }

    /** The address range IP .. IP+size-1 (IPv4 or IPv6) as the fewest CIDR blocks. */
    static List<String> cidrs(String ip, long size) {
        byte[] raw = bytes(ip);
        int bits = raw.length * 8;
        BigInteger first = new BigInteger(1, raw);
        BigInteger last = first.add(BigInteger.valueOf(size - 1)).min(BigInteger.ONE.shiftLeft(bits).subtract(
                BigInteger.ONE));
        List<String> out = new ArrayList<>();
        BigInteger p = first;
        while (p.compareTo(last) <= 0) {
            int host = p.signum() == 0 ? bits : p.getLowestSetBit();
            while (host > 0 && p.add(BigInteger.ONE.shiftLeft(host)).subtract(BigInteger.ONE).compareTo(last) > 0) {
                host--;
            }
            out.add(address(p, raw.length) + "/" + (bits - host));
            p = p.add(BigInteger.ONE.shiftLeft(host));
        }
        return out;
    }

    private static String address(BigInteger v, int length) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[length];
        int n = Math.min(b.length, length);
        System.arraycopy(b, b.length - n, out, length - n, n);
        try {
            return InetAddress.getByAddress(out).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
