package dev.nimbo.agent.net;

/** A network driver could not set up or clean a NIC's host side; the message is the VM's error. */
public final class NetworkException extends RuntimeException {
    public NetworkException(String message) {
        super(message, null, false, false);
    }
}
