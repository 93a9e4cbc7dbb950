package dev.nimbo.server.api;

/**
 * One XML-RPC method: decodes its parameters from the call, authorizes, reads or writes, and returns the
 * value that goes in the second slot of OpenNebula's response envelope (String, Integer, Long, Boolean).
 * Failures are thrown as ApiException and become the error envelope.
 */
@FunctionalInterface
public interface ApiMethod {
    Object invoke(Call call);
}
