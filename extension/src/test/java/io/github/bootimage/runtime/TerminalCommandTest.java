package io.github.bootimage.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.MachineInfo;
import io.github.bootimage.Transport;
import io.github.bootimage.transport.SshKeys;

/** The host command {@code bootimage shell} runs on the user's terminal to get into a machine. */
class TerminalCommandTest {
    private static MachineInfo info(Boot boot, Transport transport, int sshPort) {
        return new MachineInfo("bi-debian-1", "debian", "bookworm", boot, transport, "tcg", Path.of("/img"), sshPort,
                Duration.ofSeconds(1));
    }

    private static final SshKeys KEYS = new SshKeys(Path.of("/run/k"), Path.of("/run/k/id_ed25519"), "ssh-ed25519 AAAA bootimage");

    @Test
    void aGuestWhoseInitTheHostSeesIsEnteredWithNsenterAndACleanLoginEnvironment() {
        List<String> argv = DefaultMachine.terminalCommand(info(Boot.NSPAWN, Transport.CONSOLE, 0), OptionalLong.of(4242), null, "xterm");
        assertEquals(List.of("nsenter", "--target", "4242", "--all", "--", "/usr/bin/env", "-i", "TERM=xterm", "HOME=/root",
                "USER=root", "LOGNAME=root", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "/bin/sh", "-c", DefaultMachine.LOGIN_SHELL), argv);
    }

    @Test
    void noTermGivesADumbTerminal() {
        List<String> argv = DefaultMachine.terminalCommand(info(Boot.NSPAWN, Transport.CONSOLE, 0), OptionalLong.of(1), null, " ");
        assertEquals("TERM=dumb", argv.get(7));
    }

    @Test
    void aQemuMachineWithSshIsEnteredWithSshAskingForATerminal() {
        List<String> argv = DefaultMachine.terminalCommand(info(Boot.QEMU, Transport.SSH, 2222), OptionalLong.empty(), KEYS, "xterm");
        assertEquals(List.of("ssh", "-t", "-i", "/run/k/id_ed25519", "-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR", "-p", "2222", "root@127.0.0.1"), argv);
    }

    @Test
    void aQemuMachineOverTheConsoleHasNoTerminalAndTheMessageSaysHowToGetOne() {
        var e = assertThrows(UnsupportedOperationException.class,
                () -> DefaultMachine.terminalCommand(info(Boot.QEMU, Transport.CONSOLE, 0), OptionalLong.empty(), null, "xterm"));
        assertEquals("No terminal into machine bi-debian-1 (QEMU, CONSOLE transport): the host cannot enter its namespaces"
                + " and it has no SSH server. Boot it with transport = Transport.SSH (bootimage shell --transport ssh) for a terminal.",
                e.getMessage());
    }
}
