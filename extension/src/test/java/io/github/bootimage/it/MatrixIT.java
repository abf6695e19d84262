package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestExecutionResult.Status;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;
import org.junit.platform.testkit.engine.Events;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/**
 * Matrices on real images: bookworm and trixie boot in nspawn, one machine per entry, and each
 * test sees its own distribution; fedora's default mirror is unreachable here and fails (or is
 * skipped) in seconds, naming the mirror and bootimage.mirror.fedora.
 */
class MatrixIT {

    @DistroMatrix({"debian:bookworm", "debian:trixie"})
    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE)
    static class ClassOverDebian {
        static final Map<String, String> MACHINES = new ConcurrentHashMap<>();

        @org.junit.jupiter.api.BeforeEach
        void beforeEachGetsTheEntrysMachine(Machine m) {
            MACHINES.merge(m.info().release(), m.name(), MatrixIT::same);
        }

        @Test
        void seesItsOwnRelease(Machine m) {
            assertEquals(m.info().release(), m.osRelease().get("VERSION_CODENAME"));
            MACHINES.merge(m.info().release(), m.name(), MatrixIT::same);
        }

        @Test
        void oneMachinePerEntry(Machine m) {
            assertEquals(m.info().release(), m.succeed("sh", "-c", ". /etc/os-release; echo -n $VERSION_CODENAME"));
            MACHINES.merge(m.info().release(), m.name(), MatrixIT::same);
        }
    }

    private static String same(String a, String b) {
        assertEquals(a, b, "the tests of one entry share its machine");
        return a;
    }

    static class MethodOverDebianAndFedora {
        @DistroMatrix({"debian:trixie", "fedora:41"})
        @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE)
        void runsOnEach(Machine m) {
            assertEquals("trixie", m.osRelease().get("VERSION_CODENAME"));
        }
    }

    private static Events run(Class<?> c, Map<String, String> params) {
        var b = EngineTestKit.engine("junit-jupiter").selectors(selectClass(c));
        Optional.ofNullable(System.getProperty("bootimage.cache.dir")).ifPresent(d -> b.configurationParameter("bootimage.cache.dir", d));
        params.forEach(b::configurationParameter);
        return b.execute().allEvents();
    }

    private static List<String> finished(Events ev, Status status) {
        return ev.filter(e -> e.getType() == EventType.FINISHED
                        && e.getPayload(TestExecutionResult.class).orElseThrow().getStatus() == status)
                .map(e -> e.getTestDescriptor().getDisplayName()).toList();
    }

    private static String message(Events ev, String displayName) {
        return ev.filter(e -> e.getType() == EventType.FINISHED && e.getTestDescriptor().getDisplayName().equals(displayName))
                .findFirst().flatMap(e -> e.getPayload(TestExecutionResult.class)).flatMap(TestExecutionResult::getThrowable)
                .map(Throwable::getMessage).orElseThrow();
    }

    @Test
    void classMatrixBootsEachDebianReleaseAndEveryTestSeesItsOwn() {
        Events ev = run(ClassOverDebian.class, Map.of());
        assertEquals(List.of(), finished(ev, Status.FAILED), () -> ev.list().toString());
        assertEquals(List.of("seesItsOwnRelease(Machine)", "oneMachinePerEntry(Machine)", "[debian:bookworm]",
                "seesItsOwnRelease(Machine)", "oneMachinePerEntry(Machine)", "[debian:trixie]", "MatrixIT$ClassOverDebian", "JUnit Jupiter"),
                finished(ev, Status.SUCCESSFUL));
        assertEquals(2, Set.copyOf(ClassOverDebian.MACHINES.values()).size(), ClassOverDebian.MACHINES::toString);
    }

    @Test
    void unreachableFedoraMirrorFailsInSecondsNamingTheMirrorAndTheSetting() {
        long t0 = System.nanoTime();
        Events ev = run(MethodOverDebianAndFedora.class, Map.of("bootimage.distros", "fedora:41"));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals(List.of("[fedora:41]"), finished(ev, Status.FAILED));
        assertEquals("The package mirror of fedora (https://mirrors.fedoraproject.org/) cannot be reached from this host: "
                + "ConnectException. Set bootimage.mirror.fedora to a mirror that answers (or bootimage.repositories.fedora"
                + " to a repository file), or set bootimage.unavailable=skip to skip images of distributions whose mirror"
                + " is unreachable.", message(ev, "[fedora:41]").replaceFirst("ConnectException[^.]*\\.", "ConnectException."));
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "the mirror check took " + took);
    }

    @Test
    void withUnavailableSkipFedoraIsSkippedWithTheReasonAndTrixieRuns() {
        Events ev = run(MethodOverDebianAndFedora.class, Map.of("bootimage.unavailable", "skip"));
        assertEquals(List.of("[debian:trixie]", "runsOnEach(Machine)", "MatrixIT$MethodOverDebianAndFedora", "JUnit Jupiter"),
                finished(ev, Status.SUCCESSFUL));
        assertEquals(List.of("[fedora:41]"), finished(ev, Status.ABORTED));
        assertTrue(message(ev, "[fedora:41]").startsWith("Skipped: The package mirror of fedora (https://mirrors.fedoraproject.org/)"
                + " cannot be reached from this host"), message(ev, "[fedora:41]"));
    }
}
