package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as runner/README.md installs it: a symlink on PATH ({@code ln -s .../runner/bin/bootimage
 * /usr/local/bin/bootimage}) finds its jar from the link's target, run from another directory.
 */
class RunnerLauncherIT {

    @Test
    void aSymlinkedLauncherFindsItsJar(@TempDir Path dir) throws Exception {
        RunnerSupport.jar(); // the package phase built it, so the launcher does not build
        Path link = dir.resolve("bootimage");
        Files.createSymbolicLink(link, Path.of("bin", "bootimage").toAbsolutePath());
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(link.toString(), "--version").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the launcher finished");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("bootimage"), text);
        assertTrue(!text.contains("building the runner jar"), "it found the jar instead of building: " + text);
    }
}
