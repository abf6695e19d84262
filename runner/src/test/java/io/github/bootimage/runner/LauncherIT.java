package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runner/bin/bootimage installed as runner/README.md says: a symlink on PATH, run from anywhere. */
class LauncherIT {

    @Test
    void aSymlinkToTheLauncherFindsItsOwnJar(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("bootimage"), Path.of("bin", "bootimage").toAbsolutePath());
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "bootimage --help").directory(elsewhere.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("BOOTIMAGE_JAR");
        env.put("PATH", bin + ":" + env.get("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("Usage: bootimage"), out);
        assertTrue(!out.contains("building the runner jar"), "the launcher found runner/target's jar through " + link + ":\n" + out);
    }
}
