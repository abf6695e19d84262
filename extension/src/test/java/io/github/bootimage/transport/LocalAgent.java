package io.github.bootimage.transport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.github.bootimage.boot.AgentChannel;
import io.github.bootimage.boot.GuestProcess;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;

/**
 * The agent as an image's service runs it, on the host: {@code agent.sh channel} on two FIFOs (with
 * agent-spawn, as an image has it, or without), so the
 * agent channel's protocol is tested without a guest. Its "console" is the output of a shell that
 * waits for the agent, so it ends when the agent does, as a guest's console ends with the guest.
 */
final class LocalAgent implements AutoCloseable {
    final GuestProcess process;
    final ConsoleTransport transport;
    /** Whether the agent has agent-spawn, as an image built by bootimage has it. */
    final boolean spawner;
    /** The agent's directory: each command's files. */
    final Path work;

    LocalAgent(Path dir, boolean spawner) throws Exception {
        this.spawner = spawner;
        this.work = dir.resolve("work");
        Files.createDirectories(dir);
        Path script = dir.resolve("agent.sh");
        Files.writeString(script, ConsoleTransport.agentScript());
        AgentChannel channel = AgentChannel.create(dir.resolve("channel"),
                new ProcessRunner(HostTools.fromEnvironment(null, true)));
        Path spawn = dir.resolve("agent-spawn");
        if (spawner) {
            Files.write(spawn, ConsoleTransport.agentSpawn().orElseThrow(() -> new IllegalStateException(
                    "agent-spawn cannot run on this host (" + System.getProperty("os.arch") + ")")));
            Files.setPosixFilePermissions(spawn, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        process = GuestProcess.start(List.of("env", "BOOTIMAGE_AGENT_DIR=" + work,
                "BOOTIMAGE_CHANNEL_DIR=" + dir.resolve("channel"),
                "BOOTIMAGE_AGENT_SPAWN=" + spawn, "sh", "-c", "bash \"$0\" channel", script.toString()),
                false, "agent", System.getenv("PATH"));
        transport = ConsoleTransport.overChannel("local-agent", process.output(), channel.toGuest(), channel.fromGuest(),
                process::isAlive, process::exitDescription);
    }

    @Override
    public void close() {
        transport.close();
        process.stop(() -> process.process().destroy(), 2000);
    }
}
