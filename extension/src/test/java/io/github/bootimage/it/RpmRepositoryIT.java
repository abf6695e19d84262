package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;

/**
 * dnf builds a {@code distro = "fedora"} image from the signed RPM repository made on this host (Debian's
 * packages rebuilt as RPMs, and the project's own), and the image boots in nspawn with rpm as its package
 * database. Expected versions come from the packages' own headers, read on the host.
 */
@ExtendWith(LocalRpmRepository.class)
@BootImage(distro = "fedora", boot = Boot.NSPAWN, repositories = LocalRpmRepository.REPO_FILE,
        packages = {"bash", "coreutils", "util-linux", "systemd", "rpm", "bootimage-probe"})
class RpmRepositoryIT {

    @Test
    void rpmPrintsEachPackageAsNameVersionReleaseArch(Machine machine) throws Exception {
        assertEquals("bootimage-probe-1.2.3-4.noarch", machine.succeed("rpm", "-q", "bootimage-probe").strip());
        assertEquals(header("systemd", "%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}") + "\n"
                        + header("rpm", "%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}"),
                machine.succeed("rpm", "-q", "systemd", "rpm").strip());
        ExecResult absent = machine.exec("rpm", "-q", "httpd");
        assertEquals(1, absent.exitCode(), absent::toString);
        assertEquals("package httpd is not installed", absent.stdout().strip());
    }

    @Test
    void packagesAnswersOverRpm(Machine machine) throws Exception {
        assertEquals("1.2.3-4", machine.packages().version("bootimage-probe"));
        assertEquals(header("util-linux", "%{VERSION}-%{RELEASE}"), machine.packages().version("util-linux"));
        assertTrue(machine.packages().isInstalled("systemd"));
        assertFalse(machine.packages().isInstalled("httpd"));
        assertEquals("bootimage-probe 1.2.3-4", machine.succeed("bootimage-probe").strip());
    }

    @Test
    void rpmCountsWhatDnfInstalledAndNothingCameFromDpkg(Machine machine) throws Exception {
        List<String> names = List.of(machine.succeed("sh", "-c", "rpm -qa --qf '%{NAME}\\n' | sort").strip().split("\n"));
        assertEquals(String.valueOf(names.size()), machine.succeed("sh", "-c", "rpm -qa | wc -l").strip());
        // What the host's rpm reads from the image's database is the same list: the guest's rpm reads what dnf wrote.
        Path image = machine.info().image();
        Path db = Stream.of(image.resolve("image"), image).map(p -> p.resolve("usr/lib/sysimage/rpm"))
                .filter(Files::isDirectory).findFirst().orElseThrow(() -> new AssertionError("no rpm database in " + image));
        assertEquals(names, host("sh", "-c", "rpm --dbpath '" + db + "' -qa --qf '%{NAME}\\n' | sort"));
        assertTrue(names.containsAll(List.of("filesystem", "basesystem", "bootimage-probe", "systemd", "bash", "rpm")), names::toString);
        ExecResult dpkg = machine.exec("dpkg-query", "-W", "systemd");
        assertEquals(127, dpkg.exitCode(), () -> "dpkg-query has no place in this image: " + dpkg);
    }

    @Test
    void everyPackageIsSignedWithTheRepositorysKey(Machine machine) throws Exception {
        String keyId = host("gpg", "--with-colons", "--show-keys", "target/rpm-repo/RPM-GPG-KEY-bootimage-local").stream()
                .filter(l -> l.startsWith("pub:")).map(l -> l.split(":")[4]).findFirst().orElseThrow().toLowerCase();
        String sigs = machine.succeed("rpm", "-qa", "--qf", "%{NAME} %{RSAHEADER:pgpsig}\\n");
        for (String line : sigs.strip().split("\n")) {
            if (line.startsWith("gpg-pubkey ")) {
                continue;   // the key itself, imported by dnf
            }
            assertTrue(line.endsWith("Key ID " + keyId), () -> "signed with " + keyId + ": " + line);
        }
        assertEquals("gpg-pubkey-" + keyId.substring(8), machine.succeed("rpm", "-q", "gpg-pubkey", "--qf", "%{NAME}-%{VERSION}").strip());
    }

    @Test
    void osReleaseIsWhatItsPackagesShip(Machine machine) {
        Map<String, String> os = machine.osRelease();
        assertEquals("bootimage-rpm", os.get("ID"), os::toString);
        assertEquals("filesystem-3.18-1.noarch", machine.succeed("rpm", "-qf", "/usr/lib/os-release").strip());
    }

    /** A tag of the package's file in the repository, read by the host's rpm. */
    private static String header(String name, String format) throws Exception {
        try (Stream<Path> s = Files.list(Path.of("target/rpm-repo"))) {
            for (Path p : s.filter(f -> f.getFileName().toString().startsWith(name + "-")).sorted().toList()) {
                List<String> out = host("rpm", "-qp", "--nosignature", "--qf", "%{NAME}\\n" + format, p.toString());
                if (out.size() == 2 && out.get(0).equals(name)) {
                    return out.get(1);
                }
            }
        }
        throw new AssertionError("no package " + name + " in target/rpm-repo");
    }

    private static List<String> host(String... argv) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(false);
        pb.environment().put("RPM_FORCE_DEBIAN", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> String.join(" ", argv) + ": " + err);
        return new ArrayList<>(List.of(out.strip().split("\n")));
    }
}
