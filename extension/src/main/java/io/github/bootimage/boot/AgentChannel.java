package io.github.bootimage.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.process.ProcessRunner;

/**
 * The agent's own channel to a guest: two FIFOs on the host, {@code agent.in} (the host writes
 * requests) and {@code agent.out} (the host reads frames). Nothing else in the guest writes to them,
 * unlike the console. systemd-nspawn binds their directory into the container at
 * {@value #CONTAINER_DIR}; qemu connects them to the virtio-serial port {@value #PORT_NAME}
 * ({@code -chardev pipe}).
 *
 * @param toGuest   the FIFO the host writes requests into
 * @param fromGuest the FIFO the host reads the agent's frames from
 */
public record AgentChannel(Path toGuest, Path fromGuest) {
    /** Where a container sees the FIFOs' directory. */
    public static final String CONTAINER_DIR = "/run/bootimage-channel";
    /** The name of a VM's virtio-serial port for the agent. */
    public static final String PORT_NAME = "io.bootimage.agent";

    /** Makes {@code dir/agent.in} and {@code dir/agent.out} (mode 0600) with the host's mkfifo. */
    public static AgentChannel create(Path dir, ProcessRunner runner) {
        AgentChannel c = new AgentChannel(dir.resolve("agent.in"), dir.resolve("agent.out"));
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            String mkfifo = runner.tools().require("mkfifo", "to make the agent's channel").toString();
            ProcessRunner.Result r = runner.run(List.of(mkfifo, "-m", "600", c.toGuest().toString(),
                    c.fromGuest().toString()), Duration.ofSeconds(10));
            if (!r.succeeded()) {
                throw new MachineLaunchException("Could not make the agent's FIFOs in " + dir + " (exit code "
                        + r.exitCode() + "): " + r.output().strip() + "\ncommand: " + r.commandLine());
            }
            return c;
        } catch (IOException e) {
            throw new MachineLaunchException("Could not make the agent's channel in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The path qemu's {@code -chardev pipe,path=} takes: it adds ".in" and ".out" itself. */
    public Path qemuPipePath() {
        String in = toGuest.toString();
        return Path.of(in.substring(0, in.length() - ".in".length()));
    }
}
