package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;
import io.github.bootimage.fake.FakeImageBuilder;

/**
 * Issue 15: under JUnit's parallel execution, classes with distinct images build them at once, at most
 * bootimage.build.parallelism at a time (the image cache's bound, in the real runtime and in this one).
 */
class ParallelBuildsLocalTest {

    @TempDir
    Path cache;

    abstract static class Booting {
        @Test
        void boots(Machine m) {
            assertEquals("ok\n", m.succeed("echo", "ok"));
        }
    }

    @BootImage(packages = "a")
    static class A extends Booting {
    }

    @BootImage(packages = "b")
    static class B extends Booting {
    }

    @BootImage(packages = "c")
    static class C extends Booting {
    }

    @BootImage(packages = "d")
    static class D extends Booting {
    }

    @AfterEach
    void reset() {
        FakeImageBuilder.waitForPeers(0);
    }

    private void runFourClassesAtOnce(String parallelism) {
        // Each build waits (up to 500 ms) for one build more than the bound: whatever the bound lets run
        // together does overlap, and a build past the bound would be seen.
        FakeImageBuilder.waitForPeers(Integer.parseInt(parallelism) + 1);
        new LocalRun(cache).run(List.of(A.class, B.class, C.class, D.class),
                "bootimage.build.parallelism", parallelism,
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
                .testEvents().assertStatistics(s -> s.succeeded(4).failed(0));
    }

    @Test
    void fourClassesBuildTheirImagesTwoAtATimeByDefault() {
        runFourClassesAtOnce("2");
        assertEquals(2, FakeImageBuilder.maxRunning(), "builds at once under parallelism 2");
    }

    @Test
    void parallelismOneBuildsOneAfterAnother() {
        runFourClassesAtOnce("1");
        assertEquals(1, FakeImageBuilder.maxRunning(), "builds at once under parallelism 1");
    }

    @Test
    void aHigherBoundLetsAllFourBuildTogether() {
        runFourClassesAtOnce("4");
        assertEquals(4, FakeImageBuilder.maxRunning(), "builds at once under parallelism 4");
    }
}
