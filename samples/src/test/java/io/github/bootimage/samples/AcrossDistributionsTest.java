package io.github.bootimage.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.Machine;

/**
 * Walk-through step 5: <b>the same tests across distributions</b>.
 *
 * <p>One class, one declaration, every distribution: {@code @DistroMatrix} runs the whole class once
 * per entry, each with its own image and machine, and names the distribution in the display name. The
 * runner ({@code bootimage test --distro ...}) or {@code -Dbootimage.distros=debian:trixie,fedora:41}
 * replaces the list for a run. Debian's releases build on any host that reaches Debian's archive; the
 * other entries run where their mirrors answer, and elsewhere are skipped with the mirror named (this
 * suite sets {@code bootimage.unavailable=skip}, see {@code junit-platform.properties}).
 *
 * <p>Package names differ across distributions; one declaration covers them. A common name such as
 * {@code "iproute"} is mapped by bootimage's distribution registry ({@code iproute2} on Debian and
 * Ubuntu, {@code iproute} on Fedora and CentOS); an entry with a prefix such as
 * {@code "fedora:procps-ng"} applies to that distribution only. The tests themselves do not name a
 * distribution: they ask the machine which one it is.
 */
@DistroMatrix({"debian:bookworm", "debian:trixie", "ubuntu:noble", "fedora:41", "centos:9"})
@BootImage(packages = {"iproute", "debian:procps", "ubuntu:procps", "fedora:procps-ng", "centos:procps-ng"})
class AcrossDistributionsTest {

    @Test
    void osReleaseMatchesTheMatrixEntry(Machine machine) {
        Map<String, String> os = machine.osRelease();
        String release = machine.info().release();
        assertEquals(machine.distro(), os.get("ID"));
        // Debian and Ubuntu name releases by code name, Fedora and CentOS by number.
        assertTrue(release.equals(os.get("VERSION_CODENAME")) || release.equals(os.get("VERSION_ID")),
                () -> "release " + release + " not in " + os);
    }

    @Test
    void theMappedPackagesWorkEverywhere(Machine machine) {
        // "iproute" became iproute2 or iproute; either way the ip tool is there.
        assertTrue(machine.succeed("ip", "-brief", "link", "show", "lo").startsWith("lo "));
        // "procps" or "procps-ng": ps lists PID 1.
        assertEquals("systemd\n", machine.succeed("ps", "-o", "comm=", "-p", "1"));
    }

    @Test
    void eachDistributionAnswersFromItsOwnPackageDatabase(Machine machine) {
        // dpkg on Debian and Ubuntu, rpm on Fedora and CentOS: the same call.
        String systemd = machine.packages().version("systemd");
        assertFalse(systemd.isBlank());
        assertTrue(systemd.matches("\\d{3}.*"), systemd);
    }

    @Test
    void systemdReachedItsDefaultTarget(Machine machine) {
        String state = machine.waitUntilSucceeds(java.time.Duration.ofSeconds(60),
                "sh", "-c", "s=$(systemctl is-system-running); [ \"$s\" = running ] || [ \"$s\" = degraded ] && echo $s");
        assertTrue(state.equals("running\n") || state.equals("degraded\n"), state);
    }
}
