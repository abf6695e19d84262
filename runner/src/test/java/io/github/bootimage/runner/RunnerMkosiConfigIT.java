package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** {@code bootimage build --mkosi-config} and {@code bootimage shell --mkosi-config} on the samples' mkosi project. */
class RunnerMkosiConfigIT {
    static final String PROJECT = "../samples/src/test/mkosi/web";

    @Test
    void buildBuildsTheProjectThenFindsItCached() throws Exception {
        String cache = RunnerSupport.cacheDir().toString();
        RunnerSupport.Result first = RunnerSupport.run("build", "--mkosi-config", PROJECT, "--boot", "nspawn", "--cache-dir", cache);
        assertEquals(0, first.code(), first::toString);
        assertTrue(first.out().contains("image debian:bookworm from " + PROJECT), first::toString);
        RunnerSupport.Result second = RunnerSupport.run("build", "--mkosi-config", PROJECT, "--boot", "nspawn", "--cache-dir", cache);
        assertEquals(0, second.code(), second::toString);
        assertTrue(second.out().matches("(?s)\\[1/1] image debian:bookworm from " + PROJECT.replace(".", "\\.")
                + ": found locally \\(debian-bookworm-[0-9a-f]{12}\\)\n.*"), second::toString);
    }

    @Test
    void buildNamesAMissingProjectDirectory() throws Exception {
        RunnerSupport.Result r = RunnerSupport.run("build", "--mkosi-config", "src/test/mkosi/nowhere", "--cache-dir",
                RunnerSupport.cacheDir().toString());
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("bootimage build: --mkosi-config 'src/test/mkosi/nowhere' does not exist as a directory"
                + " (looked at " + Path.of("src/test/mkosi/nowhere").toAbsolutePath() + ")"), r::toString);
    }

    @Test
    void shellBootsTheProjectAndRunsCommandsInIt() throws Exception {
        String cache = RunnerSupport.cacheDir().toString();
        Process shell = new ProcessBuilder(RunnerSupport.command("shell", "--mkosi-config", PROJECT, "--boot", "nspawn",
                "--cache-dir", cache)).redirectErrorStream(true).start();
        String name = null;
        try {
            OutputStream in = shell.getOutputStream();
            BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
            in.write("grep -c 'Served from an image built by mkosi' /srv/www/content/index.html\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals("1")) {
                seen.append(line).append('\n');
            }
            assertTrue(line != null, "shell never answered: " + seen);
            assertTrue(seen.toString().contains("booted (NSPAWN, CONSOLE"), seen::toString);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("bootimage: (bi-\\S+) booted").matcher(seen);
            assertTrue(m.find(), seen::toString);
            name = m.group(1);
            in.close();
            assertTrue(shell.waitFor(60, TimeUnit.SECONDS), "shell did not exit after end of input");
            assertEquals(0, shell.exitValue());
        } finally {
            if (shell.isAlive()) {
                shell.destroy();
                shell.waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of(), RunnerSupport.processesMentioning(name), "processes left by the shell");
    }
}
