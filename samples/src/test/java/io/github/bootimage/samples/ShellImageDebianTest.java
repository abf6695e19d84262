package io.github.bootimage.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.bootimage.BootImage;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;

/**
 * Walk-through step 1: <b>a shell image from distribution packages</b> (Debian).
 *
 * <p>The mkosi walk-through starts with the smallest useful image: a distribution's packages, installed
 * into a directory tree, with a root shell on the console ({@code mkosi -d debian -r bookworm
 * -p bash,coreutils,util-linux,systemd,rpm --autologin}). Here the same image is one annotation:
 * {@code @BootImage} writes the mkosi configuration, builds the image once (later runs take it from the
 * cache), boots it in a systemd-nspawn container (or qemu where nspawn cannot run), and injects the
 * {@link Machine}. Autologin is always on: commands run in the guest's root shell on its console.
 *
 * <p>The tests introspect the guest the way one would at that shell: package versions, the package
 * databases, {@code /etc/os-release}. {@link ShellImageFedoraTest} is the same image from an RPM
 * distribution.
 */
@BootImage(distro = "debian", release = "bookworm",
        packages = {"bash", "coreutils", "util-linux", "systemd", "rpm"})
class ShellImageDebianTest {

    @Test
    void packagesAreInstalledWithTheirDebianVersions(Machine machine) {
        // packages() asks the distribution's own database (dpkg here, rpm on Fedora).
        String systemd = machine.packages().version("systemd");
        assertTrue(systemd.matches("25\\d\\.\\d+.*"), () -> "bookworm ships systemd 252, got " + systemd);
        assertTrue(machine.packages().isInstalled("util-linux"));
        assertTrue(machine.packages().findVersion("gcc").isEmpty(), "nothing was installed that was not asked for");
    }

    @Test
    void dpkgQueryListsWhatMkosiInstalled(Machine machine) {
        // The same question asked directly: exactly what dpkg-query prints.
        String out = machine.succeed("dpkg-query", "-W", "-f=${Package} ${Status}\\n", "bash", "rpm");
        assertEquals("bash install ok installed\nrpm install ok installed\n", out);
    }

    @Test
    void rpmIsAToolHereNotThePackageDatabase(Machine machine) {
        // On Debian the rpm tool is installed (by dpkg), but its own database is empty: rpm -q fails.
        assertTrue(machine.succeed("rpm", "--version").startsWith("RPM version 4."));
        ExecResult q = machine.exec("rpm", "-q", "rpm");
        assertEquals(1, q.exitCode(), q::toString);
        assertEquals("package rpm is not installed\n", q.stdout());
    }

    @Test
    void osReleaseNamesTheDistribution(Machine machine) {
        Map<String, String> os = machine.osRelease();
        assertEquals("debian", os.get("ID"));
        assertEquals("bookworm", os.get("VERSION_CODENAME"));
        assertEquals("12", os.get("VERSION_ID"));
    }

    @Test
    void theConsoleIsAnAutologinRootShellUnderSystemd(Machine machine) {
        assertEquals("root\n", machine.succeed("id", "-un"));
        assertEquals("systemd\n", machine.succeed("cat", "/proc/1/comm"));
        // util-linux is there, with its usual tools.
        assertTrue(machine.succeed("findmnt", "-no", "FSTYPE", "/").strip().length() > 0);
    }
}
