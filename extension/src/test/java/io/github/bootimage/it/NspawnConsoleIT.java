package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.github.bootimage.BootImage;
import io.github.bootimage.Boot;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

@BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN, transport = Transport.CONSOLE)
class NspawnConsoleIT {

    @Test
    void dpkgQuerySystemd(Machine machine) {
        ExecResult r = machine.exec("dpkg-query", "-W", "systemd");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith("systemd\t"), r::toString);
    }

    @Test
    void exitCodeAndStderr(Machine machine) {
        ExecResult r = machine.exec("sh", "-c", "echo out; echo err >&2; exit 42");
        assertEquals(42, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
    }
}
