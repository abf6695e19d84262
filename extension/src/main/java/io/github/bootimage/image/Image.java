package io.github.bootimage.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A built image in the cache.
 *
 * @param entry the cache entry directory
 * @param spec  what it was built from
 * @param key   the full cache key
 */
public record Image(Path entry, ImageSpec spec, String key) {
    /**
     * The qemu fast profile's initrd, made beside the image on its first boot (see the boot package's
     * FastInitrd); derived from the image and the host's busybox, so it never travels with the entry.
     */
    public static final String FAST_INITRD = "image.initrd-fast";

    /** The directory tree (for a directory image). */
    public Path directory() {
        return entry.resolve("image");
    }

    /** The raw disk (for a disk image). */
    public Path disk() {
        return entry.resolve("image.raw");
    }

    public boolean isDirectory() {
        return Files.isDirectory(directory());
    }

    /** The kernel mkosi wrote beside the image, when it installed one. */
    public Optional<Path> kernel() {
        Path p = entry.resolve("image.vmlinuz");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** The initrd mkosi wrote beside the image. */
    public Optional<Path> initrd() {
        Path p = entry.resolve("image.initrd");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** The entry's name: {@code <distro>-<release>-<key12>}. */
    public String name() {
        return entry.getFileName().toString();
    }
}
