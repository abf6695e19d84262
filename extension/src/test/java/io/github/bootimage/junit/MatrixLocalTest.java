package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.Machine;

/** @DistroMatrix templates that boot, with the local backend: one machine per entry, each with its entry's distribution. */
class MatrixLocalTest {

    /** invocation label + place -> "name distro:release". */
    static final Map<String, String> SEEN = new ConcurrentHashMap<>();

    @TempDir
    Path cache;

    LocalRun local;

    @BeforeEach
    void setUp() {
        SEEN.clear();
        local = new LocalRun(cache);
    }

    static void saw(String where, Machine m) {
        SEEN.put(where, m.name() + " " + m.info().distro() + ":" + m.info().release());
        assertEquals("ok\n", m.succeed("echo", "ok"));
    }

    @DistroMatrix({"debian:bookworm", "fedora:41"})
    @BootImage(packages = "curl")
    static class ClassMatrix {
        @BootImage
        Machine field;

        @BeforeEach
        void beforeEach(Machine m) {
            saw(m.info().distro() + ".beforeEach", m);
        }

        @Test
        void first(Machine m) {
            saw(m.info().distro() + ".first", m);
            saw(m.info().distro() + ".field", field);
        }

        @Test
        void second(Machine m) {
            saw(m.info().distro() + ".second", m);
        }
    }

    @Test
    void aClassMatrixBootsOneClassMachinePerEntryAndStopsItBeforeTheNext() {
        local.run(ClassMatrix.class).testEvents().assertStatistics(s -> s.succeeded(4).failed(0));
        String debian = SEEN.get("debian.first");
        String fedora = SEEN.get("fedora.first");
        assertTrue(debian.endsWith(" debian:bookworm"), debian);
        assertTrue(fedora.endsWith(" fedora:41"), fedora);
        assertEquals(debian, SEEN.get("debian.second"), "one machine for the entry's tests");
        assertEquals(debian, SEEN.get("debian.beforeEach"));
        assertEquals(fedora, SEEN.get("fedora.second"));
        assertTrue(SEEN.get("fedora.field").endsWith(" fedora:41"), "a field follows its entry: " + SEEN);
        String debianMachine = debian.split(" ")[0];
        String fedoraMachine = fedora.split(" ")[0];
        List<String> ev = local.events();
        assertTrue(ev.indexOf("stop " + debianMachine) < ev.indexOf("boot " + fedoraMachine + " " + local.pid(fedoraMachine)),
                "the first entry's machine is stopped before the second entry boots: " + ev);
        assertEquals(local.booted().stream().sorted().toList(), local.stopped().stream().sorted().toList());
    }

    static class MethodMatrix {
        @DistroMatrix({"debian:trixie", "arch"})
        void each(Machine m) {
            saw(m.info().distro(), m);
        }

        @Test
        void plain() {
        }
    }

    @Test
    void aMethodMatrixBootsOneMachinePerInvocation() {
        local.run(MethodMatrix.class).testEvents().assertStatistics(s -> s.succeeded(3).failed(0));
        assertTrue(SEEN.get("debian").endsWith(" debian:trixie"), SEEN::toString);
        assertTrue(SEEN.get("arch").endsWith(" arch:rolling"), SEEN::toString);
        assertEquals(2, local.booted().size(), local.events()::toString);
        assertEquals(local.booted(), local.stopped(), "each invocation's machine stops when it ends");
    }
}
