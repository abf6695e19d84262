package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;

class MatrixPlanTest {
    /** Fedora's default release: the newest whose key the host holds. */
    static final String FEDORA = io.github.bootimage.image.Distro.of("fedora").defaultRelease();


    @DistroMatrix({"debian:bookworm", "fedora"})
    static class ClassMatrix {
        @Test
        void t() {
        }
    }

    @BootImage(distro = "debian", release = "trixie")
    static class Fixed {
        @Test
        void t() {
        }

        @DistroMatrix({"arch", "debian:trixie"})
        void m() {
        }
    }

    static class Plain {
        @Test
        void t() {
        }
    }

    private static TestPlan discover(Class<?>... classes) {
        var b = LauncherDiscoveryRequestBuilder.request();
        for (Class<?> c : classes) {
            b.selectors(DiscoverySelectors.selectClass(c));
        }
        return LauncherFactory.create().discover(b.build());
    }

    @BootImage(mkosiConfig = "../samples/src/test/mkosi/web")
    static class OwnProject {
        @Test
        void t() {
        }
    }

    @BootImage(mkosiConfig = "../samples/src/test/mkosi/web", distro = "debian", release = "bookworm")
    static class OwnProjectNamed {
        @Test
        void t() {
        }
    }

    @Test
    void anMkosiProjectRunsInItsOwnColumnUnlessItNamesItsDistribution() {
        MatrixPlan p = MatrixPlan.of(discover(OwnProject.class, OwnProjectNamed.class), List.of());
        assertEquals(List.of("debian:bookworm OwnProjectNamed", "mkosi-config OwnProject"), names(p.cells()));
        var r = ImageRequests.forClass(OwnProject.class, MatrixPlan.MKOSI).orElseThrow();
        assertEquals("../samples/src/test/mkosi/web", r.project().project().entry());
        assertFalse(r.project().override(), "the column name does not override the project's distribution");
    }

    private static List<String> names(List<MatrixPlan.Cell> cells) {
        return cells.stream().map(c -> c.distro() + " " + c.type().getSimpleName()).toList();
    }

    @Test
    void cellsPerClassAndDistributionInAStableOrder() {
        MatrixPlan p = MatrixPlan.of(discover(Plain.class, Fixed.class, ClassMatrix.class), List.of());
        assertEquals(List.of("arch:rolling Fixed", "debian:bookworm ClassMatrix", "debian:trixie Fixed",
                "fedora:" + FEDORA + " ClassMatrix", "host Plain"), names(p.cells()));
        assertEquals(new MatrixPlan.ClassInfo("debian:trixie", List.of("arch:rolling", "debian:trixie"), false), p.info(Fixed.class));
        assertEquals(new MatrixPlan.ClassInfo("host", List.of("debian:bookworm", "fedora:" + FEDORA), true), p.info(ClassMatrix.class));
    }

    @Test
    void distroOptionReplacesEveryMatrixButNotFixedClasses() {
        MatrixPlan p = MatrixPlan.of(discover(Fixed.class, ClassMatrix.class), List.of("ubuntu"));
        assertEquals(List.of("debian:trixie Fixed", "ubuntu:noble ClassMatrix", "ubuntu:noble Fixed"), names(p.cells()));
    }

    @Test
    void shardsAreDisjointCompleteAndStable() {
        MatrixPlan p = MatrixPlan.of(discover(Plain.class, Fixed.class, ClassMatrix.class), List.of());
        List<String> union = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            for (String c : names(p.shard(i, 3))) {
                assertTrue(seen.add(c), "cell in two shards: " + c);
                union.add(c);
            }
        }
        assertEquals(Set.copyOf(names(p.cells())), Set.copyOf(union));
        assertEquals(List.of("arch:rolling Fixed", "fedora:" + FEDORA + " ClassMatrix"), names(p.shard(1, 3)));
        assertEquals(names(p.shard(2, 3)), names(MatrixPlan.of(discover(ClassMatrix.class, Plain.class, Fixed.class), List.of()).shard(2, 3)));
        assertEquals(Map.of("arch:rolling", List.of(Fixed.class), "fedora:" + FEDORA, List.of(ClassMatrix.class)),
                MatrixPlan.byDistro(p.shard(1, 3)));
    }

    @Test
    void badDistroAndShardNameTheInput() {
        // An unlisted release is run (with a warning); one that cannot be a release name is refused.
        var e = assertThrows(IllegalArgumentException.class, () -> MatrixPlan.of(discover(ClassMatrix.class), List.of("debian:ha mm")));
        assertTrue(e.getMessage().startsWith("Malformed release 'ha mm' of distribution debian: a release has letters"), e.getMessage());
        var s = assertThrows(IllegalArgumentException.class, () -> TestCommand.parseShard("3/2"));
        assertEquals("--shard '3/2' is not valid: give I/N with 1 <= I <= N, such as --shard 2/4", s.getMessage());
        assertEquals(List.of(2, 4), java.util.Arrays.stream(TestCommand.parseShard("2/4")).boxed().toList());
    }
}
