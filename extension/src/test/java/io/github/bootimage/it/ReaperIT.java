package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** A JVM killed with SIGKILL in the middle of a test leaves no guest behind. */
class ReaperIT {

    @Test
    void guestsOfAKilledJvmAreGoneWithinTenSeconds() throws Exception {
        killedChildLeavesNothing();
    }

    /** Issue 14: the machine's namespace, its named network's namespace and the port forwarder go too. */
    @Test
    void namespacesLinksAndForwardersOfAKilledJvmAreGoneWithinTenSeconds() throws Exception {
        killedChildLeavesNothing("NSPAWN", "lan");
    }

    /** Issue 14: a qemu guest (with a published port) of a killed JVM goes too. */
    @Test
    void aQemuGuestOfAKilledJvmIsGoneWithinTenSeconds() throws Exception {
        killedChildLeavesNothing("QEMU", "port");
    }

    static List<String> namespaces() throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        List<String> names = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (l.startsWith("bi-")) {
                names.add(l.split(" ")[0]);
            }
        }
        return names;
    }

    private void killedChildLeavesNothing(String... args) throws Exception {
        List<String> before = namespaces();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        for (String key : List.of("bootimage.cache.dir", "java.io.tmpdir")) {
            if (System.getProperty(key) != null) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add(ReaperChild.class.getName());
        cmd.addAll(List.of(args));
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String ready = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            for (String l; (l = r.readLine()) != null; ) {
                if (l.startsWith("READY ")) {
                    ready = l;
                    break;
                }
            }
            assertTrue(ready != null, "the child JVM booted a machine");
            String[] f = ready.split(" ");
            String name = f[1];
            List<Long> pids = new ArrayList<>();
            for (int i = 2; i < f.length; i++) {
                pids.add(Long.parseLong(f[i]));
            }
            assertTrue(pids.size() >= (args.length > 0 && args[0].equals("QEMU") ? 1 : 3), ready);
            Path work = ImageTier.factory().runtimeDir().resolve(name);
            assertTrue(Files.isDirectory(work));
            List<String> made = namespaces();
            made.removeAll(before);
            if (args.length > 1 && args[1].equals("lan")) {
                assertEquals(2, made.size(), "the machine's namespace and the network's: " + made);
            }

            child.destroyForcibly();
            assertTrue(child.waitFor(5, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // The reaper removes the work directory after the processes are gone: wait for all of it, within 10 s.
            while (System.nanoTime() < deadline && (anyAlive(pids) || ImageTier.processesMentioning(name) > 0
                    || Files.exists(work) || made.stream().anyMatch(n -> Files.exists(Path.of("/run/netns", n))))) {
                Thread.sleep(100);
            }
            for (long pid : pids) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " survived");
            }
            assertEquals(0, ImageTier.processesMentioning(name), "nothing names the machine any more");
            assertFalse(Files.exists(work), "the work directory was removed");
            List<String> left = namespaces();
            left.retainAll(made);
            assertEquals(List.of(), left, "no network namespace is left");
        } finally {
            child.destroyForcibly();
        }
    }

    private static boolean anyAlive(List<Long> pids) {
        return pids.stream().anyMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
    }
}
