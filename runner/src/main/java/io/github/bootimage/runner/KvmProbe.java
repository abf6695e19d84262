package io.github.bootimage.runner;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.github.bootimage.boot.KvmSupport;

/**
 * What {@code bootimage doctor} needs for its KVM line: a kernel to probe with, whether /dev/kvm opens,
 * and the extension's probe ({@link KvmSupport#probeGuest}) under kvm and tcg.
 */
final class KvmProbe {
    private KvmProbe() {
    }

    /**
     * The verdict.
     *
     * @param usable  whether the guest kernel started
     * @param detail  what was seen: time to the kernel banner, or the error and the last console line
     */
    record Result(boolean usable, String detail) {
    }

    /** A kernel to probe with: the given one, the host's, or one from a cached image. */
    static Optional<Path> findKernel(Path given, Path cacheDir) {
        if (given != null) {
            return Files.isRegularFile(given) ? Optional.of(given) : Optional.empty();
        }
        List<Path> found = new ArrayList<>();
        glob(Path.of("/boot"), "vmlinuz-*", found);
        if (Files.isDirectory(cacheDir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(cacheDir)) {
                for (Path e : s) {
                    glob(e, "image.vmlinuz", found);
                    glob(e.resolve("image").resolve("boot"), "vmlinuz-*", found);
                }
            } catch (IOException e) {
                // no kernels there
            }
        }
        return found.stream().findFirst();
    }

    private static void glob(Path dir, String pattern, List<Path> out) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, pattern)) {
            s.forEach(p -> {
                if (Files.isRegularFile(p)) {
                    out.add(p);
                }
            });
        } catch (IOException e) {
            // skip
        }
    }

    /** Whether /dev/kvm opens read-write, or why not. */
    static Optional<String> devKvmProblem() {
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) {
            return Optional.of("/dev/kvm does not exist (no KVM module loaded, or virtualisation disabled)");
        }
        try (var ch = java.nio.channels.FileChannel.open(dev, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("/dev/kvm cannot be opened: " + e.getMessage() + " (join the kvm group or run as root)");
        }
    }

    /** Boots {@code kernel} under {@code accel} (kvm or tcg) for at most {@code seconds}: the extension's one probe. */
    static Result run(String qemu, String accel, Path kernel, int seconds) throws IOException, InterruptedException {
        KvmSupport.Probe r = KvmSupport.probeGuest(qemu, accel, kernel, java.time.Duration.ofSeconds(seconds), null);
        return new Result(r.usable(), r.detail());
    }
}
