package io.github.bootimage.boot.net;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.github.bootimage.BootImageException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.boot.Reaper;
import io.github.bootimage.boot.RunningGuest;
import io.github.bootimage.process.ProcessRunner;

/**
 * A virtual machine's networking: qemu's user network, with {@code restrict=on} unless the machine asked
 * for the host's network, so an isolated guest reaches nothing but what is forwarded to it. Published
 * ports are qemu {@code hostfwd} rules on 127.0.0.1, added through the monitor at any time.
 *
 * <p>On a named network the VM gets a second network card whose frames go to a tap device on the
 * network's bridge, in the bridge's namespace: qemu is handed the tap's open file ({@code tapfd.py}), so
 * no relay runs and nothing touches the host's own namespace. Once the guest runs, its address is set over
 * the agent (a systemd-networkd file matching the card's MAC, which bootimage chose), its host name comes
 * from the kernel command line ({@code systemd.hostname=}), and its /etc/hosts is written then and each
 * time a machine joins the network. {@code linkDown} takes the tap down and the card's link off (QMP
 * {@code set_link}), so the guest sees no carrier.
 */
final class QemuNetwork implements GuestNetwork {
    /** qemu's id of the card on the named network (its -netdev and set_link). */
    static final String NETDEV = "bi-lan";
    private static final Duration CONFIGURE_TIMEOUT = Duration.ofSeconds(60);

    private final NetworkRequest request;
    private final String machine;
    private final Map<Integer, Integer> published = new ConcurrentHashMap<>();
    private VirtualNetwork.Member member;
    private volatile RunningGuest guest;
    private boolean closed;

    QemuNetwork(NetworkRequest request, String machine) {
        this.request = request;
        this.machine = machine;
    }

    static QemuNetwork create(NetworkRequest request, String machine, Path runtimeDir, ProcessRunner runner,
                              Reaper reaper) {
        QemuNetwork n = new QemuNetwork(request, machine);
        if (request.named()) {
            VirtualNetwork v = request.scope().network(request.network(), runtimeDir, runner, reaper);
            n.member = v.joinTap(request.hostname(), request.describe(machine));
        }
        return n;
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
    public String hostname() {
        return member == null ? null : member.hostname();
    }

    @Override
    public QemuLink qemuLink() {
        return member == null ? null
                : new QemuLink("/run/netns/" + member.network().netns(), member.port(), member.mac(), NETDEV);
    }

    @Override
    public void started(RunningGuest g) {
        this.guest = g;
    }

    /** The guest's address on its named network, and its /etc/hosts, over its agent. */
    @Override
    public void ready(Function<ExecRequest, ExecResult> exec) {
        if (member == null) {
            return;
        }
        String script = configureScript(member.mac(), member.address(), member.network().name());
        ExecResult r = exec.apply(ExecRequest.of("sh", "-c", script).withTimeout(CONFIGURE_TIMEOUT));
        if (r.exitCode() != 0) {
            throw new MachineLaunchException("Cannot give " + request.describe(machine) + " its address "
                    + member.address() + " on network '" + member.network().name() + "' (exit code " + r.exitCode()
                    + "): " + (r.stderr() + r.stdout()).strip() + ". A VM on a named network needs systemd-networkd"
                    + " (networkctl) in its image, as every image bootimage builds for qemu has.");
        }
        member.network().watchHosts(member, new VirtualNetwork.HostsWatcher() {
            @Override
            void writeHosts(String hosts) {
                ExecResult w = exec.apply(ExecRequest.of("sh", "-c", "cat >/etc/hosts.bootimage && mv /etc/hosts.bootimage /etc/hosts")
                        .withStdin(hosts.getBytes(StandardCharsets.UTF_8)).withTimeout(CONFIGURE_TIMEOUT));
                if (w.exitCode() != 0) {
                    throw new BootImageException("writing /etc/hosts of machine " + machine + " failed: " + w);
                }
            }
        });
    }

    /**
     * A shell script for the guest: finds the card with this MAC, gives it the address through a
     * systemd-networkd file of its own (before the image's DHCP file in order, and kept through carrier
     * loss), and waits until the kernel has the address.
     */
    static String configureScript(String mac, String address, String network) {
        return "dev=; for d in /sys/class/net/*; do [ \"$(cat \"$d/address\")\" = " + mac + " ] && dev=${d##*/}; done\n"
                + "[ -n \"$dev\" ] || { echo 'no network card with MAC " + mac + "' >&2; exit 3; }\n"
                + "mkdir -p /run/systemd/network\n"
                + "printf '[Match]\\nMACAddress=" + mac + "\\n\\n[Link]\\nRequiredForOnline=no\\n\\n[Network]\\nAddress=" + address
                + "/24\\nDHCP=no\\nLinkLocalAddressing=no\\nIPv6AcceptRA=no\\nConfigureWithoutCarrier=yes\\nIgnoreCarrierLoss=yes\\n'"
                + " >/run/systemd/network/10-bootimage-" + network + ".network\n"
                + "networkctl reload; networkctl reconfigure \"$dev\"\n"
                + "for i in $(seq 300); do grep -q ' " + address.replace(".", "\\.") + "$' /proc/net/fib_trie && exit 0; sleep 0.1; done\n"
                + "echo \"$dev has no address " + address + " after 30 s: $(networkctl status \"$dev\" 2>&1)\" >&2; exit 4\n";
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
        if (member == null) {
            return;
        }
        member.network().setDown(member, down);
        RunningGuest g = guest;
        if (g != null) {
            g.setLink(NETDEV, !down);
        }
    }

    @Override
    public Map<String, String> addresses() {
        return member == null ? Map.of() : Map.of(member.network().name(), member.address());
    }

    /** The tap goes with the network's namespace, which the network registers itself. */
    @Override
    public List<String> reaperLines() {
        return List.of();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The hostfwd rules go with the qemu process; the tap is removed from the bridge.
        if (member != null) {
            member.network().leave(member);
        }
    }
}
