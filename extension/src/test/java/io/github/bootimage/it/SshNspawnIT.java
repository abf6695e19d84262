package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/** The SSH transport against the real sshd of a Debian guest booted in nspawn. */
@BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN, transport = Transport.SSH)
class SshNspawnIT {

    @Test
    void commandsRunOverSshWithExitCodesAndStderrApart(Machine machine) {
        assertEquals(Transport.SSH, machine.info().transport());
        ExecResult r = machine.exec("sh", "-c", "echo out; echo err >&2; exit 42");
        assertEquals(42, r.exitCode(), r::toString);
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertTrue(machine.exec("dpkg-query", "-W", "openssh-server").stdout().startsWith("openssh-server\t"));
    }

    @Test
    void plainCommandsStartFromAgentSpawn(Machine machine) {
        AgentSpawnCheck.plainCommandsStartFromAgentSpawnAsTheAgentsOwnForkWould(machine);
    }

    @Test
    void exitSignalIsReportedAs128PlusN(Machine machine) {
        ExecResult r = machine.exec("sh", "-c", "echo before; kill -TERM $$");
        assertEquals(143, r.exitCode(), r::toString);
        assertEquals("before\n", r.stdout());
        assertEquals("", r.stderr(), "the same as over the console: 128+N, nothing added");
    }

    @Test
    void timeoutKillsTheCommandTreeAndTheMachineStaysUsable(Machine machine) {
        CommandTimeoutException e = assertThrows(CommandTimeoutException.class, () -> machine.exec(
                ExecRequest.of("sh", "-c", "sleep 313 & sleep 314").withTimeout(Duration.ofSeconds(1))));
        assertTrue(e.getMessage().contains("on machine " + machine.name() + " (ssh) timed out after 1000 ms"), e.getMessage());
        ExecResult left = machine.exec("pgrep", "-f", "sleep 31[34]");
        assertEquals(1, left.exitCode(), () -> "processes left: " + left);
    }

    @Test
    void severalThreadsRunCommandsAtOnce(Machine machine) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> fs = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String n = Integer.toString(i);
                fs.add(pool.submit(() -> machine.succeed("sh", "-c", "sleep 0.1; echo " + n)));
            }
            for (int i = 0; i < fs.size(); i++) {
                assertEquals(i + "\n", fs.get(i).get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sshdListensOnlyOnItsOwnLoopbackPortAndRefusesPasswords(Machine machine) {
        // The container has a network namespace of its own: sshd listens on its own 127.0.0.1:22, which
        // bootimage publishes on the host's 127.0.0.1 at another port (machine.info().sshPort()).
        int port = 22;
        assertTrue(machine.info().sshPort() > 0 && machine.info().sshPort() != 22, machine.info()::toString);
        assertEquals(machine.info().sshPort(), machine.hostPort(22), "the transport's port is the published one");
        assertEquals("Listen=127.0.0.1:" + port + " (Stream)\n",
                machine.succeed("systemctl", "show", "-p", "Listen", "ssh.socket"));
        // List every listening TCP socket sshd holds (from /proc).
        String script = "for p in $(pidof sshd); do for f in /proc/$p/fd/*; do readlink \"$f\"; done; done"
                + " | sed -n 's/^socket:\\[\\([0-9]*\\)\\]$/\\1/p' | sort -u > /run/sshd-inodes;"
                + " awk '$4 == \"0A\" { print $2, $10 }' /proc/net/tcp /proc/net/tcp6"
                + " | while read -r a i; do grep -qx \"$i\" /run/sshd-inodes && echo \"$a\"; done; true";
        assertEquals(String.format("0100007F:%04X%n", port), machine.succeed("sh", "-c", script));
        String config = machine.succeed("sshd", "-T", "-C", "user=root,host=localhost,addr=127.0.0.1");
        assertTrue(config.contains("\npasswordauthentication no\n"), config);
        assertTrue(config.contains("\nkbdinteractiveauthentication no\n"), config);
    }

    @Test
    void theKeyComesFromACredentialNotFromTheImage(Machine machine) {
        Path image = machine.info().image();
        assertFalse(Files.exists(image.resolve("image/root/.ssh/authorized_keys")), "no key in the cached image");
        String installed = machine.succeed("cat", "/root/.ssh/authorized_keys");
        assertTrue(installed.startsWith("ssh-ed25519 "), installed);
    }

    @Test
    void filesAndDirectoriesKeepTheirModes(Machine machine, @TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tree/sub"));
        Files.writeString(tmp.resolve("tree/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(tmp.resolve("tree/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.writeString(dir.resolve("secret"), "s");
        Files.setPosixFilePermissions(dir.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(tmp.resolve("tree/link"), Path.of("run.sh"));
        machine.copyTo(tmp.resolve("tree"), "/opt/deep/tree");
        assertEquals("750\n600\n750\n", machine.succeed("stat", "-c", "%a", "/opt/deep/tree/run.sh",
                "/opt/deep/tree/sub/secret", "/opt/deep/tree/sub"));
        assertEquals("hi\n", machine.succeed("/opt/deep/tree/link"));
        machine.copyFrom("/opt/deep/tree", tmp.resolve("back"));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("back/run.sh"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("back/sub/secret"))));
        assertEquals("run.sh", Files.readSymbolicLink(tmp.resolve("back/link")).toString());
    }
}
