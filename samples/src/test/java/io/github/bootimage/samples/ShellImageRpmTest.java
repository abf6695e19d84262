package io.github.bootimage.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.bootimage.BootImage;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;

/**
 * Walk-through step 1 from an RPM repository of one's own: <b>dnf builds the image, rpm answers</b>.
 *
 * <p>{@link ShellImageFedoraTest} needs Fedora's mirrors. This class needs none: {@code repositories}
 * names a dnf {@code .repo} file ({@code src/test/rpm/local.repo}) that replaces Fedora's repositories
 * for this image only. Its {@code baseurl=file:target/rpm-repo} is a signed repository made on this host
 * by {@code scripts/make-rpm-repo.sh} (Debian's packages rebuilt as RPMs, plus a {@code filesystem} and a
 * {@code bootimage-probe} package of the project's own; {@link LocalRpmRepository} makes or finds it
 * before the image is resolved). bootimage serves that directory on 127.0.0.1 while mkosi runs dnf, and
 * dnf checks every package against the repository's key. A company's mirror works the same way: a
 * {@code .repo} file with its {@code baseurl} and {@code gpgkey}.
 *
 * <p>The image's {@code os-release} is what its packages ship (the repository's {@code filesystem}),
 * not Fedora's: the tests assert what rpm says.
 */
@ExtendWith(LocalRpmRepository.class)
@BootImage(distro = "fedora", repositories = "src/test/rpm/local.repo",
        packages = {"bash", "coreutils", "util-linux", "systemd", "rpm", "bootimage-probe"})
class ShellImageRpmTest {

    @Test
    void rpmQueryPrintsNameVersionReleaseArch(Machine machine) {
        // Exactly what `rpm -q` prints at the guest's shell: name-version-release.arch, one line per package.
        assertEquals("bootimage-probe-1.2.3-4.noarch\nfilesystem-3.18-1.noarch\n",
                machine.succeed("rpm", "-q", "bootimage-probe", "filesystem"));
        ExecResult q = machine.exec("rpm", "-q", "httpd");
        assertEquals(1, q.exitCode(), q::toString);
        assertEquals("package httpd is not installed\n", q.stdout());
    }

    @Test
    void packagesAnswersOverRpm(Machine machine) {
        assertEquals("1.2.3-4", machine.packages().version("bootimage-probe"));
        assertTrue(machine.packages().isInstalled("systemd"));
        assertFalse(machine.packages().isInstalled("httpd"), "nothing was installed that was not asked for or needed");
        assertEquals("bootimage-probe 1.2.3-4\n", machine.succeed("bootimage-probe"));
    }

    @Test
    void rpmListsEveryPackageDnfInstalled(Machine machine) {
        List<String> names = List.of(machine.succeed("rpm", "-qa", "--qf", "%{NAME}\\n").strip().split("\n"));
        assertEquals(String.valueOf(names.size()), machine.succeed("sh", "-c", "rpm -qa | wc -l").strip());
        assertTrue(names.containsAll(List.of("basesystem", "filesystem", "bash", "coreutils", "util-linux", "systemd", "rpm",
                "bootimage-probe")), names::toString);
    }

    @Test
    void thereIsNoDpkg(Machine machine) {
        ExecResult r = machine.exec("dpkg-query", "-W", "rpm");
        assertEquals(127, r.exitCode(), () -> "dpkg-query is not part of an image that rpm manages: " + r);
    }

    @Test
    void osReleaseIsWhatTheRepositoryShips(Machine machine) {
        assertEquals("bootimage-rpm", machine.osRelease().get("ID"));
        assertEquals("filesystem-3.18-1.noarch\n", machine.succeed("rpm", "-qf", "/usr/lib/os-release"));
    }
}
