package io.github.bootimage.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineLaunchException;

/** Commands over one persistent sshj connection (work in progress: see issue "SSH transport"). */
public final class SshTransport implements CommandTransport {

    /** An ephemeral key pair for one machine. */
    public record Keys(Path dir, String authorizedKey) {
        public static Keys generate(Path dir) {
            throw new MachineLaunchException("The SSH transport is not available in this build: use transport = Transport.CONSOLE");
        }
    }

    private SshTransport() {
    }

    public static SshTransport connect(String machine, int port, Keys keys, ConsoleTransport console,
                                       BooleanSupplier alive, Duration timeout) {
        throw new MachineLaunchException("The SSH transport is not available in this build (machine " + machine + ")");
    }

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public ExecResult exec(ExecRequest request, Duration timeout) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void copyTo(Path hostPath, String guestPath) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void copyFrom(String guestPath, Path hostPath) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
