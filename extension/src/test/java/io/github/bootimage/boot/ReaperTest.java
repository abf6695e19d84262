package io.github.bootimage.boot;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reaper script on real processes: a registration of a dead JVM is reaped at the next start. */
class ReaperTest {

    @Test
    void leftoversOfADeadJvmAreReapedAndReusedPidsAreSpared(@TempDir Path registry) throws Exception {
        Process victim = new ProcessBuilder("sleep", "300").start();
        Process haltable = new ProcessBuilder("sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done").start();
        Process bystander = new ProcessBuilder("sleep", "300").start();
        try {
            Path dead = registry.resolve("999999999");
            Path work = Files.createDirectories(registry.resolve("work/bi-x"));
            Files.createDirectories(dead);
            Files.write(dead.resolve("bi-x.reap"), List.of(
                    "halt " + haltable.pid() + " " + Reaper.startTime(haltable.pid()).getAsLong(),
                    "kill " + victim.pid() + " " + Reaper.startTime(victim.pid()).getAsLong(),
                    // Same pid as the bystander but another start time: a reused pid, which must not be signalled.
                    "kill " + bystander.pid() + " 12345",
                    "dir " + work));
            Path script = registry.resolve("reaper.sh");
            try (var s = Reaper.class.getResourceAsStream("reaper.sh")) {
                Files.write(script, s.readAllBytes());
            }
            Reaper.reapOrphans(registry, script);
            assertTrue(victim.waitFor(5, TimeUnit.SECONDS), "the registered process was killed");
            assertTrue(haltable.waitFor(5, TimeUnit.SECONDS), "the registered guest was halted");
            assertTrue(bystander.isAlive(), "a process whose start time differs is spared");
            assertFalse(Files.exists(work), "the work directory is removed");
            assertFalse(Files.exists(dead), "the registration is removed");
        } finally {
            victim.destroyForcibly();
            haltable.destroyForcibly();
            bystander.destroyForcibly();
        }
    }
}
