package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.image.Distro;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.runner.RunnerSupport.Result;

/** The real runner's build, images, prune, shell and doctor on this host. */
class RunnerHostIT {

    @TempDir
    Path tmp;

    /** A private cache holding hard-linked copies of a real bookworm entry (fast, and prune cannot touch the shared cache). */
    private Path privateCacheWithBookworm(String... names) throws Exception {
        Result b = RunnerSupport.run("build", "debian:bookworm", "--boot", "nspawn", "--cache-dir", RunnerSupport.cacheDir().toString());
        assertEquals(0, b.code(), b::toString);
        Matcher m = Pattern.compile("\\((debian-bookworm-[0-9a-f]{12})\\)").matcher(b.out());
        assertTrue(m.find(), b::toString);
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        Path src = RunnerSupport.cacheDir().resolve(m.group(1));
        for (String n : names.length == 0 ? new String[] {m.group(1)} : names) {
            Path copy = cache.resolve(n);
            Process cp = new ProcessBuilder("cp", "-al", src.toString(), copy.toString()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, cp.waitFor(), out);
            // Own copies of the files prune and images read and write (a hard link would share them with the source).
            for (String f : List.of(ImageCache.LAST_USED, ImageCache.METADATA)) {
                byte[] content = Files.readAllBytes(copy.resolve(f));
                Files.delete(copy.resolve(f));
                Files.write(copy.resolve(f), content);
            }
        }
        return cache;
    }

    @Test
    void imagesListsRealEntriesAndPruneNeverRemovesOneAMachineUses() throws Exception {
        Path cache = privateCacheWithBookworm();
        String entry;
        try (var s = Files.list(cache)) {
            entry = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("debian-")).findFirst().orElseThrow();
        }
        Result images = RunnerSupport.run("images", "--cache-dir", cache.toString());
        assertTrue(images.out().matches("(?s)cache: .*\n" + entry + " +debian:bookworm +\\d{3}\\.\\d MiB .* no +systemd,.*\n1 image\\(s\\), .*"),
                images::toString);

        Process shell = new ProcessBuilder(RunnerSupport.command("shell", "debian:bookworm", "--boot", "nspawn",
                "--cache-dir", cache.toString())).redirectErrorStream(true).start();
        try {
            OutputStream in = shell.getOutputStream();
            BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
            in.write("cat /etc/debian_version\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.matches("12\\.\\d+")) {
                seen.append(line).append('\n');
            }
            assertTrue(line != null, "shell never answered: " + seen);
            assertTrue(seen.toString().contains("booted (NSPAWN, CONSOLE"), seen::toString);

            Result inUse = RunnerSupport.run("images", "--cache-dir", cache.toString());
            assertTrue(Pattern.compile(entry + " .* yes +systemd").matcher(inUse.out()).find(), inUse::toString);
            Result prune = RunnerSupport.run("prune", "--max-size", "0", "--cache-dir", cache.toString());
            assertEquals(0, prune.code(), prune::toString);
            assertTrue(prune.out().startsWith("kept " + entry + " (debian:bookworm): in use by a running machine\n"), prune::toString);
            assertTrue(ImageCache.isComplete(cache.resolve(entry)));

            in.close(); // end of input: the shell stops the machine and exits
            assertTrue(shell.waitFor(60, TimeUnit.SECONDS), "shell did not exit after end of input");
            assertEquals(0, shell.exitValue());
        } finally {
            if (shell.isAlive()) {
                shell.destroy();
                shell.waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of(), RunnerSupport.processesMentioning(cache.toString()), "processes left by the shell");
        Result prune = RunnerSupport.run("prune", "--max-size", "0", "--cache-dir", cache.toString());
        assertTrue(prune.out().startsWith("removed " + entry + " (debian:bookworm, "), prune::toString);
        assertFalse(Files.exists(cache.resolve(entry)));
    }

    /**
     * On a terminal (util-linux script gives the runner one), the shell is the guest's own interactive shell:
     * {@code cd} carries over to the next line, stdin is a terminal in the guest, and leaving the shell
     * returns its exit code and stops the machine.
     */
    @Test
    void shellOnATerminalIsAnInteractiveShellInTheGuest() throws Exception {
        Path cache = privateCacheWithBookworm();
        String cmd = RunnerSupport.command("shell", "debian:bookworm", "--boot", "nspawn", "--cache-dir", cache.toString())
                .stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(java.util.stream.Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder("script", "-qefc", cmd, "/dev/null").redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        Process shell = pb.start();
        StringBuffer seen = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var out = shell.getInputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = out.read(buf)) > 0; ) {
                    seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (java.io.IOException e) {
                seen.append("\n[read failed: ").append(e).append(']');
            }
        });
        reader.start();
        try {
            var prompt = io.github.bootimage.process.Waits.until("the guest shell's prompt", Duration.ofMinutes(3),
                    Duration.ofMillis(100), () -> !shell.isAlive(), () -> seen.toString().matches("(?s).*a shell in it follows.*# .*"));
            assertEquals(io.github.bootimage.process.Waits.Outcome.MET, prompt, () -> "no prompt of the guest's shell:\n" + seen);
            OutputStream in = shell.getOutputStream();
            in.write("cd /tmp\npwd\n[ -t 0 ] && echo \"tty:$((6*7))\"\nexit 3\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertTrue(shell.waitFor(60, TimeUnit.SECONDS), () -> "the shell did not end after exit:\n" + seen);
            reader.join(10_000);
            List<String> lines = seen.toString().replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").lines().map(String::strip).toList();
            assertTrue(lines.contains("/tmp"), () -> "pwd did not print /tmp after cd /tmp:\n" + seen);
            assertTrue(lines.contains("tty:42"), () -> "stdin in the guest is not a terminal:\n" + seen);
            assertTrue(seen.toString().contains("booted (NSPAWN, CONSOLE"), seen::toString);
            assertEquals(3, shell.exitValue(), seen::toString);
        } finally {
            if (shell.isAlive()) {
                shell.destroy();
                shell.waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of(), RunnerSupport.processesMentioning(cache.toString()), "processes left by the shell");
    }

    @Test
    void pruneByAgeRemovesOnlyImagesUnusedForThatLong() throws Exception {
        Path cache = privateCacheWithBookworm("debian-bookworm-000000000001", "debian-bookworm-000000000002");
        Files.setLastModifiedTime(cache.resolve("debian-bookworm-000000000001").resolve(ImageCache.LAST_USED),
                FileTime.from(Instant.now().minus(Duration.ofDays(20))));
        Files.setLastModifiedTime(cache.resolve("debian-bookworm-000000000002").resolve(ImageCache.LAST_USED),
                FileTime.from(Instant.now()));
        Result r = RunnerSupport.run("prune", "--older-than", "14d", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("removed debian-bookworm-000000000001 (debian:bookworm, "), r::toString);
        assertTrue(r.out().contains("): unused for 20d\npruned 1 image(s), freed "), r::toString);
        assertFalse(Files.exists(cache.resolve("debian-bookworm-000000000001")));
        assertTrue(ImageCache.isComplete(cache.resolve("debian-bookworm-000000000002")));
    }

    @Test
    void doctorReportsKvmUnusableHereWithTheReason() throws Exception {
        Result r = RunnerSupport.run("doctor", "--cache-dir", RunnerSupport.cacheDir().toString(), "--kernel", kernel().toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("  user                 root\n"), r::toString);
        assertTrue(r.out().matches("(?s).*\n  mkosi +mkosi 2\\d\\.\\d.*"), r::toString);
        assertTrue(r.out().contains("  nspawn               usable\n"), r::toString);
        Matcher kvm = Pattern.compile("\n  kvm +(.*)\n").matcher(r.out());
        assertTrue(kvm.find(), r::toString);
        if (Files.exists(Path.of("/dev/kvm"))) {
            // These machines' /dev/kvm opens, but guests under KVM fail (nested virtualisation).
            assertTrue(kvm.group(1).startsWith("UNUSABLE: /dev/kvm opens, but a guest under -accel kvm fails: "), kvm.group(1));
            assertTrue(kvm.group(1).contains("qemu falls back to TCG (works: guest kernel started in "), kvm.group(1));
        } else {
            assertEquals("UNUSABLE: /dev/kvm does not exist (no KVM module loaded, or virtualisation disabled); qemu uses TCG"
                    + " (software emulation)", kvm.group(1));
        }
        assertTrue(r.out().contains("  debian:bookworm      ready to build\n                       tools apt-get (/usr/bin/apt-get),"
                + " dpkg (/usr/bin/dpkg)\n                       key   found /usr/share/keyrings/debian-archive-keyring.gpg\n"
                + "                       mirror http://deb.debian.org/debian/ answers\n"), r::toString);
        String fedora = Distro.of("fedora").defaultRelease();
        assertTrue(r.out().contains("  fedora:" + fedora + "            ready to build, but its mirror does not answer\n                       tools dnf (/usr/bin/dnf),"
                + " rpm (/usr/bin/rpm)\n                       key   found /usr/share/distribution-gpg-keys/fedora/RPM-GPG-KEY-fedora-"
                + fedora + "-primary\n                       mirror https://mirrors.fedoraproject.org/ UNREACHABLE: "), r::toString);
        assertTrue(r.out().contains("(set bootimage.mirror.fedora or bootimage.repositories.fedora)"), r::toString);
        for (Distro d : Distro.all()) {
            assertTrue(r.out().contains("\n  " + String.format("%-20s", d.name() + ":" + d.defaultRelease()) + " ready to build"),
                    () -> "setup-host.sh installs what " + d.name() + " needs: " + r);
        }
        assertTrue(r.out().contains("  dir                  " + RunnerSupport.cacheDir().toAbsolutePath().normalize() + "\n"), r::toString);
        assertTrue(r.out().matches("(?s).*\n  size +\\d+\\.\\d [KMG]iB in \\d+ image\\(s\\).*"), r::toString);
    }

    /** A Linux kernel for the KVM probe: one in the cache, else the Debian cloud kernel fetched with apt. */
    private Path kernel() throws Exception {
        var found = KvmProbe.findKernel(null, RunnerSupport.cacheDir());
        if (found.isPresent()) {
            return found.get();
        }
        Path dir = Files.createDirectories(Path.of("target", "kvm-probe-kernel").toAbsolutePath());
        Process p = new ProcessBuilder("sh", "-c", "set -e; cd '" + dir + "'; ls vmlinuz-* >/dev/null 2>&1 && exit 0;"
                + " pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends/{print $2; exit}');"
                + " apt-get download \"$pkg\"; dpkg-deb --fsys-tarfile \"$pkg\"_*.deb | tar -x --wildcards './boot/vmlinuz*';"
                + " mv boot/vmlinuz-* .; rm -rf boot \"$pkg\"_*.deb").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "could not fetch a kernel for the KVM probe: " + out);
        try (var s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("vmlinuz-")).findFirst().orElseThrow();
        }
    }
}
