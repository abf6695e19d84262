package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.HostCapabilities;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.Settings;

/**
 * The VM tier without root: a normal user (created with {@code useradd -m}, which gives it a
 * subordinate id range) builds a bookworm image with its own mkosi and cache, and boots it in qemu,
 * through {@code runuser}. The child JVM runs {@link #main} with a copy of this test's class path
 * that the user can read.
 */
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD) // the CPU-heavy lane (extension/pom.xml)
class QemuUnprivilegedIT {
    static final String USER = "bootimage-it";

    @Test
    void buildsAndBootsAsANormalUser() throws Exception {
        Assumptions.assumeTrue(HostCapabilities.isRoot(), "needs root to create the user and switch to it");
        run(List.of("sh", "-c", "id -u " + USER + " >/dev/null 2>&1 || useradd -m " + USER), 60);
        String subuid = Files.readString(Path.of("/etc/subuid"));
        assertTrue(subuid.contains(USER + ":"), "useradd gave the user no subordinate ids: " + subuid);
        Path cp = Files.createTempDirectory("bootimage-unpriv-cp");
        try {
            List<String> entries = new ArrayList<>();
            int i = 0;
            for (Path p : classPath()) {
                Path target = cp.resolve(i++ + "-" + p.getFileName());
                run(List.of("cp", "-a", p.toString(), target.toString()), 60);
                entries.add(target.toString());
            }
            run(List.of("chmod", "-R", "a+rX", cp.toString()), 60);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String out = run(List.of("runuser", "-u", USER, "--", java, "-cp", String.join(File.pathSeparator, entries),
                    "-Dbootimage.cache.dir=/home/" + USER + "/.cache/bootimage", "-Djava.io.tmpdir=/tmp",
                    QemuUnprivilegedIT.class.getName()), 1200);
            System.out.println(out);
            assertTrue(out.contains("GUEST-UID 0"), out);
            assertTrue(out.contains("ACCELERATOR tcg"), "a normal user cannot open /dev/kvm here: " + out);
            assertTrue(out.contains("LEFT 0"), out);
        } finally {
            run(List.of("rm", "-rf", cp.toString()), 60);
        }
    }

    /** Runs in the child JVM as the normal user: boot, one command, close, check nothing is left. */
    public static void main(String[] args) {
        if (HostCapabilities.isRoot()) {
            throw new IllegalStateException("expected to run as a normal user");
        }
        BootImageRuntime f = BootImageRuntime.forHost(Settings.fromSystemProperties());
        DefaultMachine m = f.boot(new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.QEMU, Transport.CONSOLE,
                null, "QemuUnprivilegedIT"));
        List<Long> processes;
        try {
            System.out.println("GUEST-UID " + m.succeed("id", "-u").strip());
            System.out.println("ACCELERATOR " + m.info().accelerator());
            System.out.println("KERNEL " + m.succeed("uname", "-r").strip());
        } finally {
            m.close();
        }
        long left = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(m.info().name())).count();
        System.out.println("LEFT " + left);
        System.exit(0);
    }

    /** This JVM's class path (failsafe may hide it in a manifest-only jar). */
    private static List<Path> classPath() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (p.getFileName().toString().startsWith("surefirebooter")) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    for (String u : jar.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
                        if (!u.isBlank()) {
                            out.add(Path.of(java.net.URI.create(u)));
                        }
                    }
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    private static String run(List<String> cmd, long timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + s);
        return s;
    }
}
