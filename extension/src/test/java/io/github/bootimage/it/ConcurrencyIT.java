package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;

/** Parallel classes, two JVMs building one image, and a build killed midway. */
class ConcurrencyIT {

    static final Set<String> names = ConcurrentHashMap.newKeySet();
    static final Set<Integer> ports = ConcurrentHashMap.newKeySet();
    static final Set<String> threads = ConcurrentHashMap.newKeySet();
    static volatile java.util.concurrent.CyclicBarrier allUp = new java.util.concurrent.CyclicBarrier(4);

    abstract static class Booting {
        @Test
        void boots(Machine machine) throws InterruptedException {
            names.add(machine.name());
            ports.add(machine.info().sshPort());
            threads.add(Thread.currentThread().getName());
            // --wait returns once booting ended; "degraded" (a unit failed) is a booted system as well.
            String state = machine.exec("systemctl", "is-system-running", "--wait").stdout().strip();
            assertTrue(Set.of("running", "degraded").contains(state), "booted, but systemd says: " + state);
            assertEquals(machine.name(), machine.succeed("hostname").strip());
            try {
                // All four machines are up at once: every class's test reaches this point before any goes on.
                allUp.await(5, TimeUnit.MINUTES);
            } catch (java.util.concurrent.BrokenBarrierException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the four classes did not run at the same time: " + threads, e);
            }
        }
    }

    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE, packages = "openssh-server")
    static class A extends Booting {
    }

    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE, packages = "openssh-server")
    static class B extends Booting {
    }

    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE, packages = "openssh-server")
    static class C extends Booting {
    }

    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE, packages = "openssh-server")
    static class D extends Booting {
    }

    @Test
    void fourClassesBootConcurrentlyWithUniqueNamesAndPorts() {
        names.clear();
        ports.clear();
        threads.clear();
        allUp = new java.util.concurrent.CyclicBarrier(4);
        var results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(A.class), selectClass(B.class), selectClass(C.class), selectClass(D.class))
                .configurationParameter("bootimage.cache.dir", ImageTier.settings().cacheDir().toString())
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
                .execute();
        results.testEvents().assertStatistics(s -> s.started(4).succeeded(4).failed(0));
        assertEquals(4, names.size(), "unique machine names: " + names);
        assertEquals(4, ports.size(), "unique SSH ports: " + ports);
        assertFalse(ports.contains(0));
        assertTrue(threads.size() > 1, "the classes ran on several threads: " + threads);
        for (String n : names) {
            assertEquals(0, ImageTier.processesMentioning(n), n + " was stopped");
        }
    }

    static List<String> javaCommand(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        if (System.getProperty("bootimage.cache.dir") != null) {
            cmd.add("-Dbootimage.cache.dir=" + System.getProperty("bootimage.cache.dir"));
        }
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Path uniqueTree(Path dir) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree/etc"));
        Files.writeString(tree.resolve("bootimage-test-id"), UUID.randomUUID().toString());
        return dir.resolve("tree");
    }

    @Test
    void twoJvmsResolvingTheSameImageRunMkosiOnce(@TempDir Path dir) throws Exception {
        Path tree = uniqueTree(dir);
        Process a = new ProcessBuilder(javaCommand(ResolveChild.class, tree.toString())).redirectErrorStream(true).start();
        Process b = new ProcessBuilder(javaCommand(ResolveChild.class, tree.toString())).redirectErrorStream(true).start();
        String outA = new String(a.getInputStream().readAllBytes());
        String outB = new String(b.getInputStream().readAllBytes());
        assertEquals(0, a.waitFor(), outA);
        assertEquals(0, b.waitFor(), outB);
        String resolvedA = outA.lines().filter(l -> l.startsWith("RESOLVED ")).findFirst().orElseThrow(() -> new AssertionError(outA));
        String resolvedB = outB.lines().filter(l -> l.startsWith("RESOLVED ")).findFirst().orElseThrow(() -> new AssertionError(outB));
        assertEquals(resolvedA.split(" ")[1], resolvedB.split(" ")[1], "both use one entry");
        int builds = Integer.parseInt(resolvedA.split("builds=")[1]) + Integer.parseInt(resolvedB.split("builds=")[1]);
        assertEquals(1, builds, "mkosi ran once:\n" + outA + "\n---\n" + outB);
        ImageCache.deleteTree(Path.of(resolvedA.split(" ")[1]));
    }

    @Test
    void aBuildKilledMidwayLeavesNothingUsedAndTheNextRunRebuilds(@TempDir Path dir) throws Exception {
        Path tree = uniqueTree(dir);
        Process child = new ProcessBuilder(javaCommand(ResolveChild.class, tree.toString())).redirectErrorStream(true).start();
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()));
        for (String l; (l = reader.readLine()) != null && !l.equals("BUILDING"); ) {
            // wait until mkosi starts
        }
        // The build may first wait for the release's package cache, which another build can hold: wait for mkosi
        // itself, then let it get going.
        org.awaitility.Awaitility.await("mkosi runs under the child JVM").atMost(java.time.Duration.ofMinutes(15))
                .pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> child.toHandle().descendants().anyMatch(p -> p.info().commandLine().orElse("").contains("mkosi")));
        Thread.sleep(3000);
        List<Long> mkosi = child.toHandle().descendants().map(ProcessHandle::pid).toList();
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        org.awaitility.Awaitility.await("the build's processes to die with their JVM").atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> mkosi.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
        for (long p : mkosi) {
            assertFalse(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false), "build process " + p + " died with its JVM");
        }
        var spec = ImageSpec.of("debian", "bookworm").withExtraTrees(dir, "tree");
        var cache = ImageTier.factory().cache();
        assertFalse(ImageCache.isComplete(cache.entryOf(spec)), "the killed build published nothing");
        var img = cache.resolve(spec);
        assertTrue(ImageCache.isComplete(img.entry()));
        assertEquals(Files.readString(tree.resolve("etc/bootimage-test-id")),
                Files.readString(img.directory().resolve("etc/bootimage-test-id")));
        try (var s = Files.list(cache.root().resolve(".tmp"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().contains("-" + child.pid() + "-")),
                    "the killed build's temporary directory was removed");
        }
        ImageCache.deleteTree(img.entry());
    }
}
