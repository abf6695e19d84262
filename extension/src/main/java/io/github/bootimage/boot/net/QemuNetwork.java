package io.github.bootimage.boot.net;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.bootimage.BootImageException;
import io.github.bootimage.boot.RunningGuest;

/**
 * A virtual machine's networking: qemu's user network, with {@code restrict=on} unless the machine asked
 * for the host's network, so an isolated guest reaches nothing but what is forwarded to it. Published
 * ports are qemu {@code hostfwd} rules on 127.0.0.1, added through the monitor at any time.
 */
final class QemuNetwork implements GuestNetwork {
    private final NetworkRequest request;
    private final String machine;
    private final Map<Integer, Integer> published = new ConcurrentHashMap<>();
    private volatile RunningGuest guest;

    QemuNetwork(NetworkRequest request, String machine) {
        this.request = request;
        this.machine = machine;
    }

    @Override
    public NetworkRequest request() {
        return request;
    }

    /** Whether qemu's user network is restricted (no way out). */
    boolean restricted() {
        return !request.host();
    }

    @Override
    public void started(RunningGuest g) {
        this.guest = g;
    }

    @Override
    public synchronized int hostPort(int guestPort) {
        Integer known = published.get(guestPort);
        if (known != null) {
            return known;
        }
        RunningGuest g = guest;
        if (g == null) {
            throw new BootImageException("Machine " + machine + " has not started yet: hostPort is for a booted machine");
        }
        int hostPort = Networking.freeHostPort(guestPort);
        g.forwardPort(hostPort, guestPort);
        published.put(guestPort, hostPort);
        return hostPort;
    }

    @Override
    public void setLinksDown(boolean down) {
        // A VM joins no named network (yet): it has no links to take down.
    }

    @Override
    public Map<String, String> addresses() {
        return Map.of();
    }

    @Override
    public List<String> reaperLines() {
        return List.of();
    }

    @Override
    public void close() {
        // The rules go with the qemu process.
    }
}
