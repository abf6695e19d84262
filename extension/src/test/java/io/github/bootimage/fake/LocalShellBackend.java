package io.github.bootimage.fake;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;

import io.github.bootimage.Boot;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.boot.BootBackend;
import io.github.bootimage.boot.GuestOptions;
import io.github.bootimage.boot.GuestProcess;
import io.github.bootimage.boot.RunningGuest;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.transport.ConsoleTransport;

/**
 * The unit tier's backend: a "guest" is a local bash, as the unprivileged user running the tests, under
 * a pseudo-terminal (util-linux {@code script}) with a root-like prompt, so the console transport starts
 * the agent in it as in a real guest's autologin shell; with an agent channel, the agent runs on its
 * FIFOs as an image's agent service would. No root, mkosi or image is involved. Its PATH starts with a
 * directory holding a {@code journalctl} that prints a journal of this machine only. Each start and stop
 * is appended to {@code events} ("boot NAME PID", "stop NAME"), so tests can check order without statics.
 */
public final class LocalShellBackend implements BootBackend {
    private final Boot kind;
    private final Path events;

    public LocalShellBackend(Boot kind, Path events) {
        this.kind = kind;
        this.events = events;
    }

    @Override
    public boolean isolatesGuests() {
        return false; // a shell on the host: no namespace to make
    }

    @Override
    public Boot kind() {
        return kind;
    }

    @Override
    public RunningGuest start(Image image, GuestOptions o) {
        if (o.sshPort() > 0) {
            throw new MachineLaunchException("The local shell backend has no SSH server: use Transport.CONSOLE in unit tests");
        }
        try {
            Path bin = Files.createDirectories(o.workDir().resolve("bin"));
            Path journalctl = bin.resolve("journalctl");
            Files.writeString(journalctl, "#!/bin/sh\necho \"-- journal of local machine " + o.name() + " --\"\n");
            journalctl.toFile().setExecutable(true);
            String path = bin + ":" + System.getenv("PATH");
            GuestProcess p;
            if (o.agentChannel() != null) {
                Path script = o.workDir().resolve("agent.sh");
                Files.writeString(script, ConsoleTransport.agentScript());
                p = GuestProcess.start(List.of("env", "BOOTIMAGE_AGENT_DIR=" + o.workDir().resolve("agent"),
                        "BOOTIMAGE_CHANNEL_DIR=" + o.agentChannel().toGuest().getParent(), "sh", "-c",
                        "cd \"$1\" && echo \"local machine $2 up\" && bash \"$0\" channel", script.toString(),
                        o.workDir().toString(), o.name()), false, "local shell", path);
            } else {
                p = GuestProcess.start(List.of("env", "PS1=root@" + o.name() + ":~# ",
                        "BOOTIMAGE_AGENT_DIR=" + o.workDir().resolve("agent"), "sh", "-c",
                        "cd \"$0\" && exec bash --norc --noprofile -i", o.workDir().toString()), true, "local shell", path);
            }
            record("boot " + o.name() + " " + p.pid());
            return new Guest(p, o);
        } catch (IOException e) {
            throw new MachineLaunchException("Could not start a local shell for " + o.name() + ": " + e.getMessage(), e);
        }
    }

    private void record(String line) {
        try {
            Files.writeString(events, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final class Guest implements RunningGuest {
        private final GuestProcess process;
        private final GuestOptions options;
        private boolean closed;

        Guest(GuestProcess process, GuestOptions options) {
            this.process = process;
            this.options = options;
        }

        @Override
        public InputStream consoleOutput() {
            return process.output();
        }

        @Override
        public OutputStream consoleInput() {
            return process.input();
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public String exitDescription() {
            return process.exitDescription();
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public OptionalLong initPid() {
            return OptionalLong.empty();
        }

        @Override
        public String accelerator() {
            return "local";
        }

        @Override
        public List<Long> processes() {
            return process.processes();
        }

        @Override
        public String loginHint() {
            return "kill " + process.pid() + " (a local shell, no login)";
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            process.stop(() -> process.process().destroy(), 2000);
            ImageCache.deleteTree(options.workDir());
            record("stop " + options.name());
        }
    }
}
