package io.github.bootimage.junit;

import org.junit.jupiter.api.extension.ExtensionContext;

import io.github.bootimage.BootImage;
import io.github.bootimage.internal.MachineRequest;

/** The distribution a test runs on: the class's declaration, or the matrix entry around it. */
final class MatrixSupport {
    private MatrixSupport() {
    }

    static MachineRequest request(ExtensionContext ec, BootImage a, String where) {
        return Specs.request(a, where, ec.getDisplayName());
    }
}
