package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;
import org.junit.platform.testkit.engine.Events;

import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.image.Distro;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.image.MirrorUnavailableException;

/**
 * The matrix wiring through the engine, without booting: fedora, ubuntu and arch entries point at a
 * mirror that refuses connections (127.0.0.1:9), so their machines fail (or are skipped) in the
 * mirror check, before any build.
 */
class DistroMatrixTest {

    static final String DEAD = "http://127.0.0.1:9/";

    @TempDir
    Path cache;

    /** A stand-in mkosi on bootimage.path: the machines here fail in the mirror check, before any build. */
    @TempDir
    Path tools;

    @DistroMatrix({"fedora:41", "ubuntu:noble"})
    @BootImage(packages = {"debian:apache2", "fedora:httpd", "ubuntu:apache2"})
    static class ClassMatrix {
        @Test
        void first(Machine m) {
        }

        @Test
        void second() {
        }
    }

    static class MethodMatrix {
        @DistroMatrix({"debian:bookworm", "debian:trixie", "fedora"})
        void onEach() {
        }

        @Test
        void plain() {
        }
    }

    static class MethodMatrixWithMachine {
        @DistroMatrix({"fedora:41", "arch"})
        void boots(Machine m) {
            ExecResult r = m.exec("true");
            assertEquals(0, r.exitCode());
        }
    }

    @DistroMatrix({"fedora:41"})
    static class BeforeAllAsksForAMachine {
        @org.junit.jupiter.api.BeforeAll
        static void setUp(Machine m) {
        }

        @Test
        void t() {
        }
    }

    @DistroMatrix({"debian:bookworm", "gentoo:latest"})
    static class UnknownDistro {
        @Test
        void t() {
        }
    }

    @DistroMatrix({"debian:book worm"})
    static class UnknownRelease {
        @Test
        void t() {
        }
    }

    private Events run(Class<?> c, Map<String, String> params) {
        try {
            Path mkosi = tools.resolve("mkosi");
            java.nio.file.Files.writeString(mkosi, "#!/bin/sh\necho 'mkosi 24.3'\n");
            mkosi.toFile().setExecutable(true);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        var b = EngineTestKit.engine("junit-jupiter").selectors(selectClass(c))
                .configurationParameter("bootimage.cache.dir", cache.toString())
                .configurationParameter("bootimage.path", tools.toString())
                .configurationParameter("bootimage.mirror.fedora", DEAD)
                .configurationParameter("bootimage.mirror.ubuntu", DEAD)
                .configurationParameter("bootimage.mirror.arch", DEAD);
        params.forEach(b::configurationParameter);
        return b.execute().allEvents();
    }

    private static List<String> names(Events events, EventType type, String segment) {
        return events.filter(e -> e.getType() == type
                        && e.getTestDescriptor().getUniqueId().getLastSegment().getType().equals(segment))
                .map(e -> e.getTestDescriptor().getDisplayName()).toList();
    }

    private static Optional<String> reason(Event e) {
        return e.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable).map(Throwable::getMessage);
    }

    @Test
    void classMatrixRunsTheClassOncePerDistributionAndSkipsUnreachableMirrorsWithTheReason() {
        long start = System.nanoTime();
        Events ev = run(ClassMatrix.class, Map.of("bootimage.unavailable", "skip"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(List.of("[fedora:41]", "[ubuntu:noble]"), names(ev, EventType.STARTED, "class-template-invocation"));
        List<Event> aborted = ev.filter(e -> e.getType() == EventType.FINISHED
                && e.getPayload(TestExecutionResult.class).map(r -> r.getStatus() == TestExecutionResult.Status.ABORTED).orElse(false)
                && e.getTestDescriptor().getUniqueId().getLastSegment().getType().equals("class-template-invocation")).toList();
        assertEquals(2, aborted.size(), ev.list()::toString);
        String msg = reason(aborted.get(0)).orElseThrow();
        assertTrue(msg.startsWith("Skipped: The package mirror of fedora (" + DEAD + ") cannot be reached"), msg);
        assertTrue(msg.contains("bootimage.mirror.fedora"), msg);
        assertTrue(reason(aborted.get(1)).orElseThrow().contains("bootimage.mirror.ubuntu"));
        assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "the mirror check took " + took);
    }

    @Test
    void unreachableMirrorFailsByDefaultNamingTheMirrorAndTheSetting() {
        Events ev = run(ClassMatrix.class, Map.of());
        List<Event> failed = ev.filter(e -> e.getType() == EventType.FINISHED
                && e.getPayload(TestExecutionResult.class).map(r -> r.getStatus() == TestExecutionResult.Status.FAILED).orElse(false)).toList();
        assertEquals(2, failed.size(), ev.list()::toString);
        Throwable t = failed.get(0).getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertTrue(t instanceof MirrorUnavailableException, t::toString);
        assertEquals("The package mirror of fedora (" + DEAD + ") cannot be reached from this host: ConnectException."
                + " Set bootimage.mirror.fedora to a mirror that answers (or bootimage.repositories.fedora to a"
                + " repository file), or set bootimage.unavailable=skip to skip images of distributions whose"
                + " mirror is unreachable.", t.getMessage());
    }

    @Test
    void configurationParameterOverridesTheList() {
        Events ev = run(ClassMatrix.class, Map.of("bootimage.distros", "arch, fedora:40", "bootimage.unavailable", "skip"));
        assertEquals(List.of("[arch:rolling]", "[fedora:40]"), names(ev, EventType.STARTED, "class-template-invocation"));
    }

    @Test
    void methodMatrixRunsTheMethodOncePerDistribution() {
        Events ev = run(MethodMatrix.class, Map.of());
        assertEquals(List.of("[debian:bookworm]", "[debian:trixie]", "[fedora:" + Distro.of("fedora").defaultRelease() + "]"),
                names(ev, EventType.FINISHED, "test-template-invocation"));
        assertEquals(4, ev.filter(e -> e.getType() == EventType.FINISHED && e.getTestDescriptor().isTest()
                && e.getPayload(TestExecutionResult.class).orElseThrow().getStatus() == TestExecutionResult.Status.SUCCESSFUL).count());
    }

    @Test
    void methodMatrixBootsOneMachinePerEntryAndSkipsUnreachableOnes() {
        Events ev = run(MethodMatrixWithMachine.class, Map.of("bootimage.unavailable", "skip"));
        List<Event> aborted = ev.filter(e -> e.getType() == EventType.FINISHED && e.getTestDescriptor().isTest()
                && e.getPayload(TestExecutionResult.class).orElseThrow().getStatus() == TestExecutionResult.Status.ABORTED).toList();
        assertEquals(List.of("[fedora:41]", "[arch:rolling]"), aborted.stream().map(e -> e.getTestDescriptor().getDisplayName()).toList());
        assertTrue(reason(aborted.get(1)).orElseThrow().contains("The package mirror of arch (" + DEAD + ")"));
    }

    @Test
    void beforeAllGetsNoMachineInAClassMatrixAndIsToldWhatToUseInstead() {
        Events ev = run(BeforeAllAsksForAMachine.class, Map.of());
        String msg = ev.filter(e -> e.getType() == EventType.FINISHED && reason(e).isPresent()).findFirst()
                .flatMap(DistroMatrixTest::reason).orElseThrow();
        assertTrue(msg.endsWith("asks for a machine outside the distributions of @DistroMatrix on BeforeAllAsksForAMachine:"
                + " @BeforeAll/@AfterAll run once for all of them. Take the Machine in @BeforeEach/@AfterEach or in the"
                + " tests: there it is the distribution's machine."), msg);
    }

    @Test
    void unknownDistributionNamesTheEntryAndListsTheKnownOnes() {
        Events ev = run(UnknownDistro.class, Map.of());
        Throwable t = ev.filter(e -> e.getType() == EventType.FINISHED && reason(e).isPresent()).findFirst()
                .flatMap(e -> e.getPayload(TestExecutionResult.class)).flatMap(TestExecutionResult::getThrowable).orElseThrow();
        assertTrue(t.getMessage().startsWith("Invalid entry 'gentoo:latest' in @DistroMatrix on class "
                + UnknownDistro.class.getName() + ": Unknown distribution 'gentoo'. Known distributions: debian, ubuntu, fedora"),
                t.getMessage());
    }

    @Test
    void malformedReleaseFromTheConfigurationParameterNamesIt() {
        Events ev = run(UnknownRelease.class, Map.of("bootimage.distros", "debian:ha/mm"));
        String msg = ev.filter(e -> e.getType() == EventType.FINISHED && reason(e).isPresent()).findFirst()
                .flatMap(DistroMatrixTest::reason).orElseThrow();
        // An unlisted release builds (with a warning); one that cannot be a release name is refused.
        assertTrue(msg.startsWith("Invalid entry 'debian:ha/mm' in bootimage.distros = 'debian:ha/mm': Malformed release 'ha/mm'"
                + " of distribution debian: a release has letters, digits and . _ - only, such as bullseye, bookworm"), msg);
    }
}
