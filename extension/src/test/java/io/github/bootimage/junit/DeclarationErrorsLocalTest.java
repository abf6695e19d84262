package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;

import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.Lifecycle;
import io.github.bootimage.Machine;

/**
 * Declaration errors that get as far as the runtime, each with its exact message, and that nothing was
 * booted for them: through the engine with the local backend.
 */
class DeclarationErrorsLocalTest {

    @TempDir
    Path cache;

    LocalRun local;

    @BeforeEach
    void setUp() {
        local = new LocalRun(cache);
    }

    /** The messages of everything that failed in the run, in order. */
    private static List<String> failures(EngineExecutionResults r) {
        return r.allEvents().failed().stream()
                .map(e -> e.getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow())
                .map(t -> t.getClass().getSimpleName() + ": " + t.getMessage()).toList();
    }

    @BootImage
    static class WrongParameterType {
        @Test
        void t(@BootImage String name) {
        }
    }

    @Test
    void aParameterOfTheWrongType() {
        assertEquals(List.of("ParameterResolutionException: @BootImage parameter [name] of t must be of type"
                + " io.github.bootimage.Machine but was: java.lang.String"), failures(local.run(WrongParameterType.class)));
    }

    @BootImage(lifecycle = Lifecycle.PER_METHOD)
    static class PerMethodInBeforeAll {
        @BeforeAll
        static void setUp(Machine vm) {
        }

        @Test
        void t(Machine m) {
        }
    }

    @Test
    void aPerMethodClassMachineTakenInBeforeAll() {
        assertEquals(List.of("ParameterResolutionException: Parameter [vm] of setUp asks for the class's machine, but"
                + " @BootImage(lifecycle = PER_METHOD) boots one per test: there is none before or after all tests. Use"
                + " @BeforeEach/@AfterEach instead."), failures(local.run(PerMethodInBeforeAll.class)));
        assertEquals(List.of(), local.booted(), "nothing booted for a class that cannot run");
    }

    @BootImage(lifecycle = Lifecycle.PER_METHOD)
    static class PerMethodInAfterAll {
        @Test
        void t(Machine m) {
        }

        @AfterAll
        static void tearDown(Machine last) {
        }
    }

    @Test
    void aPerMethodClassMachineTakenInAfterAll() {
        EngineExecutionResults r = local.run(PerMethodInAfterAll.class);
        r.testEvents().assertStatistics(s -> s.succeeded(1));
        assertEquals(List.of("ParameterResolutionException: Parameter [last] of tearDown asks for the class's machine, but"
                + " @BootImage(lifecycle = PER_METHOD) boots one per test: there is none before or after all tests. Use"
                + " @BeforeEach/@AfterEach instead."), failures(r));
        assertEquals(local.booted(), local.stopped(), "the test's own machine was stopped");
    }

    @DistroMatrix({"debian:bookworm"})
    static class MatrixBeforeAll {
        @BeforeAll
        static void setUp(Machine vm) {
        }

        @Test
        void t() {
        }
    }

    @Test
    void aMachineOutsideTheEntriesOfAClassMatrix() {
        assertEquals(List.of("ParameterResolutionException: Parameter [vm] of setUp asks for a machine outside the"
                + " distributions of @DistroMatrix on MatrixBeforeAll: @BeforeAll/@AfterAll run once for all of them."
                + " Take the Machine in @BeforeEach/@AfterEach or in the tests: there it is the distribution's machine."),
                failures(local.run(MatrixBeforeAll.class)));
    }

    @org.junit.jupiter.api.extension.ExtendWith(BootImageExtension.class)
    static class NoDeclaration {
        @Test
        void t(Machine vm) {
        }
    }

    @Test
    void aMachineParameterWithoutAnyDeclaration() {
        assertEquals(List.of("ParameterResolutionException: No @BootImage declared for the Machine parameter [vm] of t:"
                + " annotate the class, the method or the parameter with @BootImage(distro = ...)"),
                failures(local.run(NoDeclaration.class)));
    }

    @BootImage
    static class Plain {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void aRuntimeClassThatDoesNotExist() {
        List<String> f = failures(local.run(Plain.class, "bootimage.runtime", "com.example.NoSuchRuntime"));
        assertEquals(List.of("BootImageException: bootimage.runtime = 'com.example.NoSuchRuntime' cannot be made"
                + " (java.lang.ClassNotFoundException: com.example.NoSuchRuntime): name a public class with a public"
                + " no-argument constructor, or remove the setting"), f);
    }

    @Test
    void aRuntimeClassThatIsNoProvider() {
        List<String> f = failures(local.run(Plain.class, "bootimage.runtime", "java.lang.String"));
        assertEquals(List.of("BootImageException: bootimage.runtime = 'java.lang.String' is not a"
                + " io.github.bootimage.runtime.BootImageRuntime$Provider: name a class that implements it, or remove the"
                + " setting"), f);
    }
}
