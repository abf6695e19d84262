package io.github.bootimage.transport;

import java.nio.file.Path;
import java.util.List;

import io.github.bootimage.boot.GuestProcess;

/** A real bash under a pseudo-terminal on the host, showing a root-like prompt: the console protocol's test peer. */
final class LocalShell implements AutoCloseable {
    final GuestProcess process;
    final ConsoleTransport console;

    LocalShell(Path agentDir) throws Exception {
        process = GuestProcess.start(List.of("env", "PS1=root@host:~# ", "BOOTIMAGE_AGENT_DIR=" + agentDir,
                "bash", "--norc", "--noprofile", "-i"), true, "bash", System.getenv("PATH"));
        console = new ConsoleTransport("local-shell", process.output(), process.input(), process::isAlive,
                process::exitDescription);
    }

    @Override
    public void close() {
        console.close();
        process.stop(() -> process.process().destroy(), 2000);
    }
}
