package io.github.bootimage.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;

import io.github.bootimage.failure.Failures;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;

/** What one command's SSH session needs: opening it, stdin, the outcome, and killing it. */
final class SshSessions {

    private SshSessions() {
    }

    /**
     * Writes stdin and sends EOF. A command that ended without reading it closes the channel first; as
     * with a broken pipe that is no error (a dropped connection shows on the stdout read).
     */
    static Void writeStdin(Session.Command cmd, byte[] stdin) {
        try (OutputStream o = cmd.getOutputStream()) {
            o.write(stdin);
        } catch (IOException e) {
            SshTransport.LOG.log(System.Logger.Level.DEBUG, "stdin not fully delivered: " + e);
        }
        return null;
    }

    /** Reads to the end; when the watchdog killed the command, a read cut short is no error. */
    static byte[] readOrEmpty(InputStream in, AtomicBoolean timedOut) throws IOException {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            if (timedOut.get()) {
                return new byte[0];
            }
            throw e;
        }
    }

    /**
     * Opens a session channel. sshd refuses one while it still counts a just-closed session against
     * MaxSessions (10 with OpenSSH), so a refusal is retried for up to two seconds.
     */
    static Session startSession(SSHClient c) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (int attempt = 1; ; attempt++) {
            try {
                return c.startSession();
            } catch (net.schmizz.sshj.connection.channel.OpenFailException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(Math.min(50, 2L * attempt));
            }
        }
    }

    static ExecResult result(String machine, ExecRequest request, Session.Command cmd, byte[] stdout, byte[] stderr, Duration took) {
        Integer status = cmd.getExitStatus();
        if (status != null) {
            return ExecResult.of(status, stdout, stderr, took);
        }
        Signal sig = cmd.getExitSignal();
        if (sig != null) {
            int n = SshSignals.number(sig);
            String note = "bootimage: [" + request.commandLine() + "] was killed by signal " + sig.name() + " (" + n + ")"
                    + (Boolean.TRUE.equals(cmd.getExitWasCoreDumped()) ? ", core dumped" : "")
                    + (cmd.getExitErrorMessage() == null || cmd.getExitErrorMessage().isBlank() ? ""
                    : ": " + cmd.getExitErrorMessage().strip()) + "; exit code 128+" + n + "\n";
            byte[] noteBytes = note.getBytes(StandardCharsets.UTF_8);
            byte[] err = new byte[stderr.length + noteBytes.length];
            System.arraycopy(stderr, 0, err, 0, stderr.length);
            System.arraycopy(noteBytes, 0, err, stderr.length, noteBytes.length);
            return ExecResult.of(128 + n, stdout, err, took);
        }
        throw Failures.noExitStatus(machine, request.commandLine(), ExecResult.of(-1, stdout, stderr, took));
    }

    /** Kills the command and every process that inherited its tag, over a second session. */
    static void kill(String machine, SSHClient c, Session.Command cmd, String tag) {
        try {
            cmd.signal(Signal.KILL);
        } catch (IOException e) {
            SshTransport.LOG.log(System.Logger.Level.DEBUG, "signal KILL over SSH failed: " + e);
        }
        String script = "grep -lszxF \"BOOTIMAGE_EXEC=$1\" /proc/[0-9]*/environ | while IFS=/ read -r _ _ p _; do"
                + " kill -KILL \"$p\" 2>/dev/null; done; rm -f /run/bootimage-\"$1\".[oe] \"${TMPDIR:-/tmp}\"/bootimage-\"$1\".[oe]; exit 0";
        try (Session s = startSession(c)) {
            Session.Command k = s.exec("sh -c " + ShellCommand.quote(script) + " sh " + tag);
            k.join(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            SshTransport.LOG.log(System.Logger.Level.WARNING, "Killing a timed-out command on " + machine + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
