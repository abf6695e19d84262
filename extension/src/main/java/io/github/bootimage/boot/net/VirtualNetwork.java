package io.github.bootimage.boot.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.boot.Reaper;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.process.ProcessRunner;

/**
 * One named network: a private L2 segment, a Linux bridge in a network namespace of its own with no
 * other link, to which each member's namespace is joined by a veth pair. Nothing routes out of it.
 * Members get addresses from {@code 10.231.N.0/24} (N counts networks in this JVM; each segment is in
 * namespaces of its own, so the range never meets the host's), host number 2 and up, kept per host
 * name so a machine that comes back gets its old address. Names resolve through a hosts file bound
 * over each member's /etc/hosts: a member's line is appended when it joins, before it boots, so
 * members that booted earlier see it at once.
 */
final class VirtualNetwork implements AutoCloseable {
    private static final AtomicInteger SUBNETS = new AtomicInteger();
    /** The address range of named networks, for documentation and messages. */
    public static final String RANGE = "10.231.0.0/16";

    private final String name;
    private final String netns;
    private final Path dir;
    private final int subnet;
    private final Ip ip;
    private final Reaper reaper;
    private final Map<String, Integer> hostNumbers = new HashMap<>();
    private final Map<String, String> members = new HashMap<>();
    private final List<HostsWatcher> watchers = new java.util.ArrayList<>();
    private long hostsVersion;
    private boolean created;
    private boolean closed;

    VirtualNetwork(String name, Path runtimeDir, ProcessRunner runner, Reaper reaper) {
        this.name = name;
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        this.netns = "bi-n-" + id;
        this.dir = runtimeDir.resolve(netns);
        this.subnet = SUBNETS.getAndIncrement() % 256;
        this.ip = new Ip(runner);
        this.reaper = reaper;
    }

    public String name() {
        return name;
    }

    /** The namespace holding the bridge. */
    public String netns() {
        return netns;
    }

    public Path hostsFile() {
        return dir.resolve("hosts");
    }

    private void create() {
        if (created) {
            return;
        }
        if (closed) {
            throw new MachineLaunchException("Network '" + name + "' was closed with the test class that made it.");
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(hostsFile(), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        } catch (IOException e) {
            throw new MachineLaunchException("Could not prepare " + dir + " for network '" + name + "': " + e.getMessage(), e);
        }
        ip.addNamespace(netns);
        if (reaper != null) {
            reaper.registerLines(netns, List.of("netns " + netns, "dir " + dir));
        }
        try {
            ip.run("create the bridge of network '" + name + "'", "-n", netns, "link", "add", "br0", "type", "bridge");
            ip.run("bring up the bridge of network '" + name + "'", "-n", netns, "link", "set", "br0", "up");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        created = true;
    }

    /**
     * Joins a machine's namespace: a link named after the network in the machine, its address, and
     * its line in the hosts file.
     *
     * @return the machine's place on this network
     */
    Member join(String machine, String hostname, String machineNetns, String who) {
        return join(hostname, who, machineNetns);
    }

    /**
     * Joins a virtual machine: a tap device on the bridge (its qemu opens it, see {@code tapfd.py}); the
     * guest's address is set over its agent once it runs ({@link QemuNetwork}), and its /etc/hosts is
     * written then and each time a machine joins ({@link #watchHosts}).
     */
    Member joinTap(String hostname, String who) {
        return join(hostname, who, null);
    }

    private Member join(String hostname, String who, String machineNetns) {
        Member m;
        List<HostsWatcher> watchers;
        String hosts;
        long version;
        synchronized (this) {
            String holder = members.get(hostname);
            if (holder != null) {
                throw new MachineLaunchException("Host name '" + hostname + "' is taken twice on network '" + name + "': by "
                        + holder + " and by " + who + ". Give one of them a name of its own: @BootImage(network = \"" + name
                        + "\", hostname = \"" + hostname + "2\").");
            }
            create();
            Integer n = hostNumbers.get(hostname);
            boolean fresh = n == null;
            if (fresh) {
                n = hostNumbers.size() + 2;
                if (n > 254) {
                    throw new MachineLaunchException("Network '" + name + "' is full (253 host names); " + who + " cannot join it.");
                }
            }
            String address = "10.231." + subnet + "." + n;
            String port = "m" + n;
            if (machineNetns != null) {
                ip.run("link " + who + " to network '" + name + "'", "-n", machineNetns, "link", "add", name, "type", "veth",
                        "peer", "name", port, "netns", netns);
                ip.run("plug " + who + " into network '" + name + "'", "-n", netns, "link", "set", port, "master", "br0", "up");
                ip.run("give " + who + " its address on network '" + name + "'", "-n", machineNetns, "addr", "add",
                        address + "/24", "dev", name);
                ip.run("bring up the link of " + who + " on network '" + name + "'", "-n", machineNetns, "link", "set", name, "up");
            } else {
                ip.run("make the tap of " + who + " on network '" + name + "'", "-n", netns, "tuntap", "add", "dev", port,
                        "mode", "tap");
                ip.run("plug " + who + " into network '" + name + "'", "-n", netns, "link", "set", port, "master", "br0", "up");
            }
            if (fresh) {
                try {
                    // One small append, in place: the file is bound into running members, so it keeps its inode.
                    Files.writeString(hostsFile(), address + "\t" + hostname + "\n", StandardCharsets.UTF_8,
                            StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new MachineLaunchException("Could not add " + hostname + " to the hosts file of network '" + name
                            + "': " + e.getMessage(), e);
                }
                hostNumbers.put(hostname, n);
            }
            members.put(hostname, who);
            m = new Member(this, hostname, address, port, String.format("52:54:00:e7:%02x:%02x", subnet, n));
            watchers = fresh ? List.copyOf(this.watchers) : List.of();
            version = ++hostsVersion;
            hosts = watchers.isEmpty() ? null : readHosts();
        }
        // Members in virtual machines learn the new name over their agents (outside the lock: a guest may be slow).
        for (HostsWatcher w : watchers) {
            w.write(version, hosts);
        }
        return m;
    }

    /**
     * A virtual machine's /etc/hosts, kept up to date: written now with every member known, and again
     * each time a machine joins, until {@link #leave}. (A container's is the hosts file itself, bound.)
     */
    void watchHosts(Member m, HostsWatcher w) {
        long version;
        String hosts;
        synchronized (this) {
            watchers.add(w);
            m.watcher = w;
            version = hostsVersion;
            hosts = readHosts();
        }
        w.write(version, hosts);
    }

    private String readHosts() {
        try {
            return Files.readString(hostsFile(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MachineLaunchException("Could not read the hosts file of network '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Writes a virtual machine's /etc/hosts; a write older than one done already is skipped. */
    abstract static class HostsWatcher {
        private long written = -1;

        final synchronized void write(long version, String hosts) {
            if (version <= written) {
                return;
            }
            written = version;
            try {
                writeHosts(hosts);
            } catch (RuntimeException e) {
                System.getLogger(VirtualNetwork.class.getName()).log(System.Logger.Level.WARNING,
                        "Could not update /etc/hosts of a machine: " + e.getMessage());
            }
        }

        abstract void writeHosts(String hosts);
    }

    synchronized void leave(Member m) {
        members.remove(m.hostname());
        if (m.watcher != null) {
            watchers.remove(m.watcher);
        }
        if (created && !closed) {
            ip.quietly("unplug " + m.hostname() + " from network '" + name + "'", "-n", netns, "link", "del", m.port());
        }
    }

    synchronized void setDown(Member m, boolean down) {
        ip.run((down ? "take down" : "bring up") + " the link of " + m.hostname() + " on network '" + name + "'",
                "-n", netns, "link", "set", m.port(), down ? "down" : "up");
    }

    /** Removes the bridge's namespace (links of members still running go with it) and the hosts file. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (created || Files.exists(dir)) {
            ip.deleteNamespace(netns);
            ImageCache.deleteTree(dir);
            if (reaper != null) {
                reaper.unregister(netns);
            }
        }
    }

    /**
     * A machine's place on the network: its host name, address, its port on the bridge (a veth's peer or a
     * tap) and, for a virtual machine, the MAC address of its network card.
     */
    static final class Member {
        private final VirtualNetwork network;
        private final String hostname;
        private final String address;
        private final String port;
        private final String mac;
        private HostsWatcher watcher;

        Member(VirtualNetwork network, String hostname, String address, String port, String mac) {
            this.network = network;
            this.hostname = hostname;
            this.address = address;
            this.port = port;
            this.mac = mac;
        }

        VirtualNetwork network() {
            return network;
        }

        String hostname() {
            return hostname;
        }

        String address() {
            return address;
        }

        String port() {
            return port;
        }

        String mac() {
            return mac;
        }
    }
}
