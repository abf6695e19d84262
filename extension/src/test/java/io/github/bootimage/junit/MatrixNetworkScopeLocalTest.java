package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.Machine;
import io.github.bootimage.boot.net.NetworkScope;

/**
 * Issue 14: each {@code @DistroMatrix} invocation has named networks of its own (its "lan" is not the
 * other invocation's), shared by its tests and its nested classes, and closed when the invocation ends;
 * two classes that both say "lan" do not share. The local backend boots the machines.
 */
class MatrixNetworkScopeLocalTest {
    /** "distro.Class.method" (or "Class.method" outside a matrix) -> the network scope a named network is looked up in. */
    static final Map<String, NetworkScope> SCOPES = new ConcurrentHashMap<>();

    @TempDir
    Path cache;

    @BeforeEach
    void setUp() {
        SCOPES.clear();
    }

    /** Records the scope of the running test's named networks. */
    static final class Recorder implements BeforeEachCallback {
        @Override
        public void beforeEach(ExtensionContext ec) {
            String distro = MatrixSupport.entry(ec).map(e -> e.distro() + ".").orElse("");
            SCOPES.put(distro + ec.getRequiredTestClass().getSimpleName() + "." + ec.getRequiredTestMethod().getName(),
                    Networks.scope(ec));
        }
    }

    @DistroMatrix({"debian:bookworm", "fedora:41"})
    @ExtendWith(Recorder.class)
    static class Matrix {
        @BootImage(network = "lan")
        Machine server;

        @Test
        void first() {
            assertEquals("lan", server.info().network());
        }

        @Test
        void second() {
            assertEquals("lan", server.info().network());
        }

        @Nested
        class Inner {
            @Test
            void nested() {
                assertEquals("lan", server.info().network());
            }
        }
    }

    @ExtendWith(Recorder.class)
    static class Plain {
        @BootImage(network = "lan")
        Machine server;

        @Test
        void plain() {
            assertEquals("lan", server.info().network());
        }
    }

    @Test
    void eachMatrixInvocationHasNetworksOfItsOwnSharedByItsTestsAndNestedClasses() {
        new LocalRun(cache).run(List.of(Matrix.class, Plain.class)).testEvents()
                .assertStatistics(s -> s.succeeded(7).failed(0));
        NetworkScope debian = SCOPES.get("debian.Matrix.first");
        NetworkScope fedora = SCOPES.get("fedora.Matrix.first");
        NetworkScope plain = SCOPES.get("Plain.plain");
        assertNotNull(debian, SCOPES::toString);
        assertNotNull(fedora, SCOPES::toString);
        assertNotSame(debian, fedora, "two invocations, two networks named lan");
        assertSame(debian, SCOPES.get("debian.Matrix.second"));
        assertSame(fedora, SCOPES.get("fedora.Matrix.second"));
        assertSame(debian, SCOPES.get("debian.Inner.nested"), "a nested class shares its invocation's networks");
        assertSame(fedora, SCOPES.get("fedora.Inner.nested"));
        assertNotSame(plain, debian);
        assertNotSame(plain, fedora);
        // Each scope was closed with its invocation (or class): no network can be made in it anymore.
        for (NetworkScope s : List.of(debian, fedora, plain)) {
            assertThrows(IllegalStateException.class, () -> s.checkOpen(), s::toString);
        }
    }
}
