package io.github.bootimage.transport;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where and how the SSH transport connects: one guest's sshd.
 *
 * @param machine     the machine's name, for messages
 * @param host        the address sshd listens on (127.0.0.1)
 * @param port        the machine's own port
 * @param user        the user to log in as (root)
 * @param keys        the machine's ephemeral key pair
 * @param hostKeys    the guest's host public keys as {@code known_hosts}-style lines ("type base64 ..."):
 *                    the only keys accepted (pinned)
 * @param alive       whether the guest still runs (waits fail fast when it stops)
 * @param consoleTail the last lines of the guest's console, for error messages
 */
record SshTarget(String machine, String host, int port, String user, SshKeys keys, List<String> hostKeys,
                        BooleanSupplier alive, Supplier<String> consoleTail) {

    public SshTarget {
        hostKeys = List.copyOf(hostKeys);
    }

    /** The endpoint as {@code user@host:port}. */
    public String endpoint() {
        return user + "@" + host + ":" + port;
    }

    public SshTarget withPort(int p) {
        return new SshTarget(machine, host, p, user, keys, hostKeys, alive, consoleTail);
    }

    public SshTarget withHostKeys(List<String> keys2) {
        return new SshTarget(machine, host, port, user, keys, keys2, alive, consoleTail);
    }

    public SshTarget withAlive(BooleanSupplier a) {
        return new SshTarget(machine, host, port, user, keys, hostKeys, a, consoleTail);
    }

    /** The console tail as a message suffix, or nothing when there is none. */
    String tail() {
        String t = consoleTail == null ? "" : consoleTail.get();
        return t == null || t.isBlank() ? "" : " Console tail:\n" + t;
    }
}
