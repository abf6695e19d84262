package io.github.bootimage.boot.net;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.bootimage.boot.Reaper;
import io.github.bootimage.process.ProcessRunner;

/**
 * A container's networking. Isolated (the default) and on a named network, the container runs in a
 * network namespace bootimage makes before it starts ({@code ip netns add bi-<machine>}, loopback
 * up), which {@code systemd-nspawn --network-namespace-path=} enters; on a named network the
 * namespace also gets a link to the network's bridge. With {@code network = "host"} it shares the
 * host's namespace. Published ports go through a {@link PortForwarder} into the namespace.
 */
final class NspawnNetwork implements GuestNetwork {
    private final NetworkRequest request;
    private final String machine;
    private final String netns;
    private final Path workDir;
    private final ProcessRunner runner;
    private final Reaper reaper;
    private final Ip ip;
    private VirtualNetwork.Member member;
    private PortForwarder forwarder;
    private boolean closed;

    private NspawnNetwork(NetworkRequest request, String machine, String netns, Path workDir, ProcessRunner runner,
                          Reaper reaper) {
        this.request = request;
        this.machine = machine;
        this.netns = netns;
        this.workDir = workDir;
        this.runner = runner;
        this.reaper = reaper;
        this.ip = new Ip(runner);
    }

    static NspawnNetwork create(NetworkRequest request, String machine, Path workDir, Path runtimeDir,
                                ProcessRunner runner, Reaper reaper) {
        if (request.host()) {
            return new NspawnNetwork(request, machine, null, workDir, runner, reaper);
        }
        // Machine names are "bi-<distro>-<hex>"; the namespace's name is the machine's.
        NspawnNetwork n = new NspawnNetwork(request, machine, machine, workDir, runner, reaper);
        n.ip.addNamespace(machine);
        n.register();
        try {
            if (request.named()) {
                String hostname = request.hostname();
                VirtualNetwork v = request.scope().network(request.network(), runtimeDir, runner, reaper);
                n.member = v.join(machine, hostname, machine, request.describe(machine));
            }
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    @Override
    public NetworkRequest request() {
        return request;
    }

    @Override
    public String netnsPath() {
        return netns == null ? null : "/run/netns/" + netns;
    }

    @Override
    public String hostname() {
        return member == null ? null : member.hostname();
    }

    @Override
    public Path hostsFile() {
        return member == null ? null : member.network().hostsFile();
    }

    @Override
    public synchronized int hostPort(int guestPort) {
        if (forwarder == null) {
            forwarder = PortForwarder.start(runner.tools(), workDir,
                    netns == null ? "/proc/" + ProcessHandle.current().pid() + "/ns/net" : netnsPath(), machine);
            register();
        }
        return forwarder.publish(guestPort);
    }

    @Override
    public void setLinksDown(boolean down) {
        if (member != null) {
            member.network().setDown(member, down);
        }
    }

    @Override
    public Map<String, String> addresses() {
        return member == null ? Map.of() : Map.of(member.network().name(), member.address());
    }

    @Override
    public synchronized List<String> reaperLines() {
        List<String> lines = new ArrayList<>();
        if (forwarder != null) {
            long pid = forwarder.pid();
            Reaper.startTime(pid).ifPresent(t -> lines.add("kill " + pid + " " + t));
        }
        if (netns != null) {
            lines.add("netns " + netns);
        }
        return lines;
    }

    private void register() {
        if (reaper != null) {
            reaper.registerLines(machine + ".net", reaperLines());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (forwarder != null) {
            forwarder.close();
        }
        if (member != null) {
            member.network().leave(member);
        }
        if (netns != null) {
            ip.deleteNamespace(netns);
        }
        if (reaper != null) {
            reaper.unregister(machine + ".net");
        }
    }
}
