package io.github.bootimage.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.bootimage.CommandFailedException;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineLaunchException;

/** The messages {@link Failures} builds for a machine's SSH readiness and for its copies, whole, with their fields. */
class SshAndCopyFailuresTest {
    private static final String TAIL = " Console tail:\nlast line";

    @Test
    void sshThatNeverAnsweredSaysWhereAndWhatToCheck() {
        MachineLaunchException stopped = Failures.sshStoppedBeforeBanner("m1", "127.0.0.1:40022", "connection refused", TAIL);
        assertEquals("Machine m1 stopped before its sshd answered on 127.0.0.1:40022 (last attempt: connection refused).",
                stopped.reason());
        assertEquals(stopped.reason() + TAIL, stopped.getMessage());
        assertEquals("Machine m1: sshd did not answer with an SSH-2.0 banner on 127.0.0.1:40022 within 5000 ms (last"
                + " attempt: connection refused). Check that the image has an SSH server (packages = \"openssh-server\")"
                + " and that ssh.socket listens on that port, or use transport = Transport.CONSOLE.",
                Failures.sshNoBanner("m1", "127.0.0.1:40022", Duration.ofSeconds(5), "connection refused", "").getMessage());
    }

    @Test
    void sshSetupSaysWhichPartIsMissing() {
        assertEquals("Machine m1: cannot set up SSH within 5000 ms: the guest has no SSH host keys in /etc/ssh (is"
                + " openssh-server installed?). Last check over the console: none\nOr use transport = Transport.CONSOLE.",
                Failures.sshSetupFailed("m1", false, Duration.ofSeconds(5), true, null, "").getMessage());
        MachineLaunchException key = Failures.sshSetupFailed("m1", true, Duration.ofSeconds(5), false, "exit code 1", TAIL);
        assertEquals("Machine m1: cannot set up SSH (the guest stopped): root's /root/.ssh/authorized_keys does not hold"
                + " the machine's key: the guest's systemd did not install the credential ssh.authorized_keys.root (it"
                + " needs systemd 252 or newer). Last check over the console: exit code 1\nOr use"
                + " transport = Transport.CONSOLE." + TAIL, key.getMessage());
    }

    @Test
    void sshLoginFailuresKeepTheirCause() {
        IOException cause = new IOException("Exhausted available authentication methods");
        MachineLaunchException refused = Failures.sshAuthRefused("m1", "root@127.0.0.1:40022", cause.getMessage(), "", cause);
        assertEquals("Machine m1: SSH authentication refused at root@127.0.0.1:40022 (Exhausted available authentication"
                + " methods). The guest did not accept the machine's key: it reaches root's authorized_keys through the"
                + " credential ssh.authorized_keys.root, which needs systemd 252 or newer in the guest; or use"
                + " transport = Transport.CONSOLE.", refused.getMessage());
        assertSame(cause, refused.getCause());
        assertEquals("Machine m1: SSH failed while connecting to root@127.0.0.1:40022: Connection refused.",
                Failures.sshLoginFailed("m1", "connecting to root@127.0.0.1:40022", "Connection refused", null, "", cause)
                        .getMessage());
        assertEquals("Machine m1: SSH failed while connecting to root@127.0.0.1:40022: host key not verifiable. The"
                + " server's host key is not one of the keys pinned from the guest's /etc/ssh (ssh-ed25519, ecdsa-sha2-nistp256):"
                + " another process may be answering on this port.", Failures.sshLoginFailed("m1",
                "connecting to root@127.0.0.1:40022", "host key not verifiable", List.of("ssh-ed25519", "ecdsa-sha2-nistp256"),
                "", cause).getMessage());
    }

    @Test
    void copyFailuresNameTheCopyTheMachineAndTheTransport() {
        ExecResult r = ExecResult.of(2, new byte[0], "tar: x: Cannot stat\n".getBytes(), Duration.ofMillis(7));
        CommandFailedException guest = Failures.copyFailedInGuest("m1", "console", "copyFrom", "/etc/x", "/tmp/x", null, r);
        assertEquals("copyFrom /etc/x -> /tmp/x on machine m1 (console) failed in the guest: exit code 2 after 7 ms"
                + "\nstdout: (empty)\nstderr:\n  tar: x: Cannot stat\n  ", guest.getMessage());
        assertEquals("m1", guest.machine());
        assertEquals("copyFrom /etc/x -> /tmp/x", guest.command());
        assertSame(r, guest.result());
        assertEquals(Duration.ofMillis(7), guest.duration());
        assertEquals("copyTo /h -> /g on machine m1 (ssh/sftp) failed preparing the destination in the guest: exit code 2"
                + " after 7 ms\nstdout: (empty)\nstderr:\n  tar: x: Cannot stat\n  ",
                Failures.copyFailedInGuest("m1", "ssh/sftp", "copyTo", "/h", "/g", "preparing the destination", r).getMessage());
        IOException cause = new IOException("No space left on device");
        CommandFailedException host = Failures.copyFailed("m1", "ssh/sftp", "copyTo", "/h", "/g", "No space left on device", cause);
        assertEquals("copyTo /h -> /g on machine m1 (ssh/sftp) failed: No space left on device", host.getMessage());
        assertEquals("copyTo /h -> /g", host.command());
        assertNull(host.result());
        assertSame(cause, host.getCause());
    }
}
