package io.github.bootimage.boot.net;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.bootimage.boot.Reaper;
import io.github.bootimage.process.ProcessRunner;

/**
 * The named networks of one scope (a test class instance tree, or a matrix invocation): two scopes that
 * both say "lan" get two networks. Closing the scope removes its networks.
 */
public final class NetworkScope implements AutoCloseable {
    private final Map<String, VirtualNetwork> networks = new LinkedHashMap<>();
    private final String label;
    private boolean closed;

    public NetworkScope(String label) {
        this.label = label;
    }

    /** The network of this name in this scope, made on first use. */
    synchronized VirtualNetwork network(String name, Path runtimeDir, ProcessRunner runner, Reaper reaper) {
        checkOpen();
        return networks.computeIfAbsent(name, n -> new VirtualNetwork(n, runtimeDir, runner, reaper));
    }

    /** @throws IllegalStateException when this scope was closed (its class or matrix invocation ended) */
    public synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The networks of " + label + " were closed");
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (VirtualNetwork n : networks.values()) {
            n.close();
        }
        networks.clear();
    }

    @Override
    public String toString() {
        return "networks of " + label;
    }
}
