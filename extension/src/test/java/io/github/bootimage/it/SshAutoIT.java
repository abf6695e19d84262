package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/** Transport.AUTO takes SSH when the image has an SSH server, the console otherwise. */
class SshAutoIT {

    @BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN, packages = "openssh-server")
    static Machine withSshd;

    @BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN)
    static Machine withoutSshd;

    @Test
    void autoChoosesSshWhenTheImageHasAnSshServer() {
        assertEquals(Transport.SSH, withSshd.info().transport());
        assertEquals("ok\n", withSshd.succeed("echo", "ok"));
    }

    @Test
    void autoChoosesTheConsoleOtherwise() {
        assertEquals(Transport.CONSOLE, withoutSshd.info().transport());
        assertEquals(0, withoutSshd.info().sshPort());
    }
}
