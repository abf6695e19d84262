package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImage;
import io.github.bootimage.Lifecycle;
import io.github.bootimage.Machine;

/**
 * Field and parameter injection, both lifecycles and nested classes, through the real engine with the
 * local backend: which machine each place gets, and that it runs commands.
 */
class InjectionTest {

    /** What the fixtures saw: place -> machine name. */
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
        SEEN.put(where, m.name());
        assertEquals(m.name() + "\n", m.succeed("sh", "-c", "echo \"$0\"", m.name()), "the machine runs commands");
    }

    @BootImage(distro = "debian", release = "bookworm")
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class PerClass {
        @BootImage
        static Machine staticField;

        @BootImage
        Machine instanceField;

        @BeforeAll
        static void beforeAll(Machine m) {
            saw("beforeAll", m);
        }

        @BeforeEach
        void beforeEach(Machine m) {
            saw("beforeEach", m);
        }

        @Test
        @Order(1)
        void first(Machine m) {
            saw("first", m);
            saw("first.instanceField", instanceField);
            saw("first.staticField", staticField);
        }

        @Test
        @Order(2)
        void second(Machine m) {
            saw("second", m);
            saw("second.instanceField", instanceField);
        }

        @AfterAll
        static void afterAll(Machine m) {
            saw("afterAll", m);
        }
    }

    @Test
    void perClassSharesOneMachineAndFieldsHaveTheirOwn() {
        local.run(PerClass.class).testEvents().assertStatistics(s -> s.succeeded(2).failed(0));
        String cls = SEEN.get("first");
        for (String k : List.of("beforeAll", "beforeEach", "second", "afterAll")) {
            assertEquals(cls, SEEN.get(k), k + " gets the class's machine: " + SEEN);
        }
        assertEquals(SEEN.get("first.instanceField"), SEEN.get("second.instanceField"),
                "a PER_CLASS instance field keeps its machine across tests");
        List<String> distinct = new ArrayList<>(List.of(cls, SEEN.get("first.instanceField"), SEEN.get("first.staticField")));
        assertEquals(3, distinct.stream().distinct().count(), "class, instance field and static field each boot one: " + SEEN);
        assertEquals(3, local.booted().size(), local.events()::toString);
        assertEquals(local.booted().stream().sorted().toList(), local.stopped().stream().sorted().toList(),
                "every machine is stopped when the run ends");
    }

    @BootImage(lifecycle = Lifecycle.PER_METHOD)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class PerMethod {
        @BootImage(lifecycle = Lifecycle.PER_METHOD)
        Machine field;

        @BeforeEach
        void beforeEach(Machine m) {
            saw("beforeEach" + SEEN.size(), m);
        }

        @Test
        @Order(1)
        void first(Machine m) {
            saw("first", m);
            saw("first.field", field);
        }

        @Test
        @Order(2)
        void second(Machine m) {
            saw("second", m);
            saw("second.field", field);
        }
    }

    @Test
    void perMethodBootsAFreshMachinePerTestAndStopsItAfterTheTest() {
        local.run(PerMethod.class).testEvents().assertStatistics(s -> s.succeeded(2).failed(0));
        assertNotEquals(SEEN.get("first"), SEEN.get("second"));
        assertNotEquals(SEEN.get("first.field"), SEEN.get("second.field"));
        assertEquals(SEEN.get("first"), SEEN.get("beforeEach0"), "@BeforeEach gets the test's machine");
        assertEquals(4, local.booted().size(), local.events()::toString);
        List<String> ev = local.events();
        int stopFirst = ev.indexOf("stop " + SEEN.get("first"));
        int secondBoot = local.booted().indexOf(SEEN.get("second"));
        secondBoot = ev.indexOf("boot " + SEEN.get("second") + " " + local.pid(SEEN.get("second")));
        assertTrue(stopFirst >= 0 && stopFirst < secondBoot,
                "the first test's machine is stopped before the second test's boots: " + ev);
    }

    @BootImage
    static class Outer {
        @Test
        void outer(Machine m) {
            saw("outer", m);
        }

        @Nested
        class Inner {
            @Test
            void inner(Machine m) {
                saw("inner", m);
            }

            @Nested
            @BootImage(release = "trixie")
            class OwnDeclaration {
                @Test
                void innermost(Machine m) {
                    saw("innermost", m);
                    SEEN.put("innermost.release", m.info().release());
                }
            }
        }
    }

    @Test
    void nestedClassesShareTheOutermostDeclarationsMachine() {
        local.run(Outer.class).testEvents().assertStatistics(s -> s.succeeded(3).failed(0));
        assertEquals(SEEN.get("outer"), SEEN.get("inner"), "a nested class without a declaration uses the outer machine");
        assertNotEquals(SEEN.get("outer"), SEEN.get("innermost"), "a nested class with its own declaration boots its own");
        assertEquals("trixie", SEEN.get("innermost.release"));
    }
}
