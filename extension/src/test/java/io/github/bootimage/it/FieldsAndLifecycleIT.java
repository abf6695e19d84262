package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Lifecycle;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/** Static and instance fields, PER_METHOD machines, and that every machine is gone after its scope. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FieldsAndLifecycleIT {

    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE)
    static Machine shared;

    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE, lifecycle = Lifecycle.PER_METHOD)
    Machine fresh;

    static final Set<String> freshNames = new HashSet<>();
    static volatile String sharedName;
    static final Set<Long> pids = new HashSet<>();

    @Test
    @Order(1)
    void fieldsAreInjected() {
        assertNotNull(shared);
        assertNotNull(fresh);
        assertNotEquals(shared.name(), fresh.name());
        sharedName = shared.name();
        freshNames.add(fresh.name());
        pids.addAll(((io.github.bootimage.runtime.DefaultMachine) fresh).guest().processes());
        fresh.succeed("touch", "/root/written-by-test-1");
    }

    @Test
    @Order(2)
    void perMethodMachinesAreNewAndPristine() {
        freshNames.add(fresh.name());
        assertEquals(2, freshNames.size(), "one machine per test");
        assertEquals(1, fresh.exec("test", "-e", "/root/written-by-test-1").exitCode(),
                "writes of an earlier machine do not reach the image (volatile overlay)");
        for (long pid : pids) {
            assertEquals(false, ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                    "process " + pid + " of the first test's machine is gone");
        }
    }

    @Test
    @Order(3)
    void parameterWithItsOwnDeclaration(@BootImage(release = "trixie", boot = Boot.NSPAWN) Machine trixie) {
        assertEquals("trixie", trixie.osRelease().get("VERSION_CODENAME"));
        assertEquals(sharedName, shared.name(), "a PER_CLASS field keeps its machine across the class's tests");
        assertNotEquals(shared.name(), trixie.name(), "a parameter's own declaration boots its own machine");
    }

    @AfterAll
    static void nothingOfTheMethodMachinesIsLeft() {
        for (long pid : pids) {
            assertEquals(false, ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
    }
}
