package io.github.bootimage.junit;

import java.util.Optional;

import org.junit.jupiter.api.extension.ExtensionContext;

import io.github.bootimage.BootImage;
import io.github.bootimage.runtime.MachineRequest;

/** The distribution a test runs on: the declaration's, or the matrix entry around it. */
final class MatrixSupport {
    private MatrixSupport() {
    }

    /** The declaration a matrix class or method uses when it has no {@code @BootImage} of its own. */
    @BootImage
    private static final class Defaults {
    }

    static final BootImage DEFAULTS = Defaults.class.getAnnotation(BootImage.class);

    /** The matrix entry of the invocation this context runs in, if any. */
    static Optional<MatrixEntry> entry(ExtensionContext ec) {
        return Optional.ofNullable(ec.getStore(BootImageExtension.NAMESPACE).get(MatrixEntry.Key.INSTANCE, MatrixEntry.class));
    }

    /** A request for a declaration, with the matrix entry's distribution and release when there is one. */
    static MachineRequest request(ExtensionContext ec, BootImage a, String where) {
        Optional<MatrixEntry> e = entry(ec);
        if (e.isPresent()) {
            return Specs.request(a, e.get().distro(), e.get().release(), where + " [" + e.get().label() + "]",
                    ec.getDisplayName());
        }
        return Specs.request(a, where, ec.getDisplayName());
    }

    /** A store key made distinct per matrix entry, so no invocation finds another distribution's machine. */
    static Object key(ExtensionContext ec, Object key) {
        return entry(ec).<Object>map(e -> java.util.List.of(key, e.label())).orElse(key);
    }

    /** Whether a class is a class matrix (a class template over distributions). */
    static boolean isClassMatrix(Class<?> c) {
        return org.junit.platform.commons.support.AnnotationSupport.isAnnotated(c, io.github.bootimage.DistroMatrix.class);
    }

    /** Whether a method takes a Machine parameter that has no declaration of its own (the matrix machine). */
    static boolean takesPlainMachine(java.lang.reflect.Method m) {
        for (java.lang.reflect.Parameter p : m.getParameters()) {
            if (io.github.bootimage.Machine.class.equals(p.getType()) && !p.isAnnotationPresent(BootImage.class)) {
                return true;
            }
        }
        return false;
    }
}
