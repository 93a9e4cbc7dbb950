package dev.nimbo.core.vnet;

import java.util.Locale;

/**
 * The kinds of address range (OpenNebula's AddressRange::AddressType): every range hands out MACs; IP4 ones
 * also IPv4 addresses, IP6 ones SLAAC addresses under GLOBAL_PREFIX/ULA_PREFIX, the _STATIC ones IPv6
 * addresses counted from IP6.
 */
public enum ArType {
    ETHER(0x1),
    IP4(0x3),
    IP6(0x5),
    IP6_STATIC(0x9),
    IP4_6(0x7),
    IP4_6_STATIC(0xB);

    private final int bits;

    ArType(int bits) {
        this.bits = bits;
    }

    public boolean hasIp4() {
        return (bits & 0x2) != 0;
    }

    /** SLAAC addresses derived from the MAC. */
    public boolean hasIp6Slaac() {
        return (bits & 0x4) != 0;
    }

    /** IPv6 addresses counted from the IP6 attribute. */
    public boolean hasIp6Static() {
        return (bits & 0x8) != 0;
    }

    /** The type named (any case), or null. */
    public static ArType parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
