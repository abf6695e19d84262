package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/** The SSH transport on a qemu guest, through the VM's own forwarded port on 127.0.0.1. */
@BootImage(distro = "debian", release = "bookworm", boot = Boot.QEMU, transport = Transport.SSH)
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD) // the CPU-heavy lane (extension/pom.xml)
class QemuSshIT {

    @Test
    void commandsGoOverSshThroughTheForwardedPort(Machine machine) {
        assertEquals(Transport.SSH, machine.info().transport());
        assertEquals(Boot.QEMU, machine.info().boot());
        assertTrue(machine.info().sshPort() > 0);
        ExecResult r = machine.exec("sh", "-c", "echo out; echo err >&2; exit 7");
        assertEquals(7, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        String client = machine.succeed("sh", "-c", "echo $SSH_CONNECTION").strip();
        assertTrue(client.startsWith("10.0.2.2 "), "the connection comes through qemu's user network: " + client);
    }

    @Test
    void passwordsAreOffAndTheKeyCameAsACredential(Machine machine) {
        String config = machine.succeed("sshd", "-T");
        assertTrue(config.contains("passwordauthentication no"), config);
        assertTrue(config.contains("kbdinteractiveauthentication no"), config);
        assertTrue(machine.succeed("cat", "/root/.ssh/authorized_keys").startsWith("ssh-ed25519 "));
    }

    @Test
    void filesRoundTripWithTheirModes(Machine machine, @TempDir Path dir) throws Exception {
        Path f = dir.resolve("tool.sh");
        Files.writeString(f, "#!/bin/sh\necho tool\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x---"));
        machine.copyTo(f, "/opt/tool.sh");
        assertEquals("tool\n", machine.succeed("/opt/tool.sh"));
        assertEquals("750\n", machine.succeed("stat", "-c", "%a", "/opt/tool.sh"));
        machine.copyFrom("/opt/tool.sh", dir.resolve("back.sh"));
        assertEquals(Files.readString(f), Files.readString(dir.resolve("back.sh")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("back.sh"))));
    }
}
