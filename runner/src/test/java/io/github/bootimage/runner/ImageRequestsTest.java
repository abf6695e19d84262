package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;

/** --mkosi-config's own errors name the option, not the annotation attribute behind it. */
class ImageRequestsTest {
    @Test
    void aMissingProjectNamesTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageRequests.project(
                "src/test/mkosi/nowhere", null, List.of(), Boot.AUTO, Transport.AUTO));
        assertEquals("--mkosi-config 'src/test/mkosi/nowhere' does not exist as a directory (looked at "
                + Path.of("src/test/mkosi/nowhere").toAbsolutePath() + "). Paths are relative to the working directory,"
                + " the module's folder under Maven: create it or fix the path.", e.getMessage());
    }
}
