package io.github.bootimage.boot.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImageException;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.boot.Reaper;
import io.github.bootimage.process.ProcessRunner;

/** Makes a machine's {@link GuestNetwork} for its backend, before the backend starts it. */
public final class Networking {
    private Networking() {
    }

    /**
     * The networking of one machine.
     *
     * @throws MachineLaunchException when the backend cannot join the requested network, or the
     *                                namespace or links cannot be made
     */
    public static GuestNetwork create(Boot boot, NetworkRequest request, String machine, Path workDir, Path runtimeDir,
                                      ProcessRunner runner, Reaper reaper) {
        return create(boot, request, machine, workDir, runtimeDir, runner, reaper,
                io.github.bootimage.boot.HostCapabilities.euid());
    }

    static GuestNetwork create(Boot boot, NetworkRequest request, String machine, Path workDir, Path runtimeDir,
                               ProcessRunner runner, Reaper reaper, int uid) {
        NetworkRequest r = request == null ? NetworkRequest.DEFAULT : request;
        String problem = HostNames.networkProblem(r.network());
        if (problem != null) {
            throw new MachineLaunchException("Cannot boot " + r.describe(machine) + ": " + problem);
        }
        if (r.named()) {
            if (boot == Boot.QEMU && uid != 0) {
                throw new MachineLaunchException("Cannot boot " + r.describe(machine) + " on network '" + r.network()
                        + "': a named network is a bridge in a network namespace of its own, which only root can make,"
                        + " and this JVM runs as uid " + uid + ". Run the"
                        + " tests as root, or leave network empty and reach the VM through machine.hostPort(port).");
            }
            if (r.hostname() == null || r.hostname().isEmpty()) {
                throw new MachineLaunchException("Cannot boot " + r.describe(machine) + " on network '" + r.network()
                        + "': it has no host name (a class-level machine, or a parameter compiled without -parameters)."
                        + " Give it one: @BootImage(network = \"" + r.network() + "\", hostname = \"server\").");
            }
            if (r.scope() == null) {
                throw new MachineLaunchException("Cannot boot " + r.describe(machine) + " on network '" + r.network()
                        + "': named networks are made per test class; this machine was not declared in one.");
            }
        }
        if (boot == Boot.NSPAWN) {
            return NspawnNetwork.create(r, machine, workDir, runtimeDir, runner, reaper);
        }
        return QemuNetwork.create(r, machine, runtimeDir, runner, reaper);
    }

    /** Checks a guest port given to {@code hostPort}. */
    public static void checkPort(int guestPort, String machine) {
        if (guestPort < 1 || guestPort > 65535) {
            throw new IllegalArgumentException("hostPort(" + guestPort + ") on machine " + machine + ": a TCP port is"
                    + " 1 to 65535. Pass the port the guest listens on, such as hostPort(80).");
        }
    }

    /** A free port on 127.0.0.1 that is not {@code avoid}. */
    static int freeHostPort(int avoid) {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (s.getLocalPort() != avoid) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new BootImageException("Could not find a free TCP port on 127.0.0.1: " + e.getMessage(), e);
            }
        }
        throw new BootImageException("Could not find a free TCP port on 127.0.0.1 after 50 tries");
    }
}
