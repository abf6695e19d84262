package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;

/** 200 commands on one machine and 20 boot/stop cycles leave no process, descriptor or file behind. */
@Tag("soak")
@org.junit.jupiter.api.parallel.Isolated("counts this JVM's threads and descriptors and every systemd-nspawn process on the host")
class SoakIT {
    final BootImageRuntime factory = ImageTier.factory();
    final MachineRequest request = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE,
            null, "SoakIT");

    record Counts(long children, long descriptors, long threads, long runtimeFiles, long nspawns) {
    }

    Counts counts() throws IOException {
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        long files;
        Path rt = factory.runtimeDir();
        try (Stream<Path> s = Files.exists(rt) ? Files.walk(rt) : Stream.empty()) {
            files = s.filter(p -> !p.startsWith(rt.resolve("registry"))).count();
        }
        long nspawns = ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("systemd-nspawn")).orElse(false)).count();
        return new Counts(ProcessHandle.current().descendants().filter(p -> !isReaper(p)).count(), fds,
                Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("bootimage")).count(),
                files, nspawns);
    }

    static boolean isReaper(ProcessHandle p) {
        return p.info().commandLine().map(c -> c.contains("reaper.sh")).orElse(false);
    }

    @Test
    void twoHundredCommandsAndTwentyBootStopCyclesLeaveNothing() throws Exception {
        factory.image(request);
        try (DefaultMachine warm = factory.boot(request)) {
            warm.exec("true"); // starts the reaper and loads every class once
        }
        System.gc();
        Counts before = counts();

        try (DefaultMachine m = factory.boot(request)) {
            for (int i = 0; i < 200; i++) {
                var r = m.exec(ExecRequest.of("sh", "-c", "echo $0; echo err$0 >&2; exit $(($0 % 3))", Integer.toString(i)));
                assertEquals(i % 3, r.exitCode());
                assertEquals(i + "\n", r.stdout());
                assertEquals("err" + i + "\n", r.stderr());
            }
        }
        for (int i = 0; i < 20; i++) {
            try (DefaultMachine m = factory.boot(request)) {
                assertEquals("ok\n", m.succeed("echo", "ok"));
            }
        }
        System.gc();
        Thread.sleep(500);
        Counts after = counts();
        assertEquals(before.children(), after.children(), "child processes: " + before + " -> " + after);
        assertEquals(before.nspawns(), after.nspawns(), "nspawn processes: " + before + " -> " + after);
        assertEquals(before.runtimeFiles(), after.runtimeFiles(), "files in " + factory.runtimeDir() + ": " + before + " -> " + after);
        assertEquals(before.threads(), after.threads(), "bootimage threads: " + before + " -> " + after);
        assertTrue(after.descriptors() <= before.descriptors() + 2, "file descriptors: " + before + " -> " + after);
    }
}
