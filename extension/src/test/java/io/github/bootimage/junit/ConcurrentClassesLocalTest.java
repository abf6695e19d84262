package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;

/** Classes running at the same time in one engine run share its runtime: distinct machines, all stopped at the end. */
class ConcurrentClassesLocalTest {

    static final Set<String> NAMES = ConcurrentHashMap.newKeySet();
    static volatile CyclicBarrier allUp;

    @TempDir
    Path cache;

    abstract static class Booting {
        @Test
        void boots(Machine m) throws Exception {
            NAMES.add(m.name());
            assertEquals("ok\n", m.succeed("echo", "ok"));
            allUp.await(60, TimeUnit.SECONDS); // fails unless the three classes run at once
        }
    }

    @BootImage
    static class A extends Booting {
    }

    @BootImage
    static class B extends Booting {
    }

    @BootImage
    static class C extends Booting {
    }

    @Test
    void threeClassesAtOnce() {
        NAMES.clear();
        allUp = new CyclicBarrier(3);
        LocalRun local = new LocalRun(cache);
        local.run(List.of(A.class, B.class, C.class),
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "3")
                .testEvents().assertStatistics(s -> s.succeeded(3).failed(0));
        assertEquals(3, NAMES.size(), NAMES::toString);
        assertEquals(NAMES, Set.copyOf(local.booted()));
        assertEquals(NAMES, Set.copyOf(local.stopped()), "every machine stopped: " + local.events());
    }
}
