package io.github.bootimage.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Fedora mirror signed with a key of one's own ({@code bootimage.mirror.fedora} with
 * {@code bootimage.mirror.fedora.key}): mkosi would check the mirror's packages against Fedora's key,
 * so bootimage writes the repository file for it instead, with the same layout mkosi asks a mirror
 * for ({@code linux/releases/<release>/Everything/x86_64/os/}, and the updates tree when it exists)
 * and the named key.
 */
public final class MirrorRepositories {
    /** The setting that names the key a distribution's mirror is signed with. */
    public static String keySetting(String distro) {
        return "bootimage.mirror." + distro + ".key";
    }

    private MirrorRepositories() {
    }

    /**
     * The repository file for the spec's mirror trusted with {@code key}, written once under {@code dir}
     * (named after its content, published atomically).
     *
     * @throws IllegalArgumentException when the distribution has no known mirror layout, no mirror is set or the key is missing
     */
    public static Path write(ImageSpec spec, Path key, Path dir) {
        if (!spec.distro().name().equals("fedora")) {
            throw new IllegalArgumentException(keySetting(spec.distro().name()) + " is set, but bootimage knows the mirror"
                    + " layout of fedora only: for " + spec.distro().name() + " give a repository file with its baseurl and gpgkey"
                    + " (bootimage.repositories." + spec.distro().name() + ").");
        }
        if (spec.mirror() == null) {
            throw new IllegalArgumentException(keySetting("fedora") + " is set, but bootimage.mirror.fedora is not: set the"
                    + " mirror the key signs, or remove the key setting.");
        }
        Path k = key.toAbsolutePath().normalize();
        if (!Files.isRegularFile(k)) {
            throw new IllegalArgumentException(keySetting("fedora") + " names '" + key + "', which is not a file (looked at "
                    + k + "): give the path of the mirror's public key (ASCII-armored).");
        }
        String m = spec.mirror().endsWith("/") ? spec.mirror() : spec.mirror() + "/";
        String text = "# Written by bootimage for bootimage.mirror.fedora = " + spec.mirror() + ", trusted with " + k + "\n"
                + "[fedora]\nname=fedora (bootimage.mirror.fedora)\n"
                + "baseurl=" + m + "linux/releases/$releasever/Everything/$basearch/os/\n"
                + "gpgcheck=1\ngpgkey=file://" + k + "\n\n"
                + "[updates]\nname=updates (bootimage.mirror.fedora)\n"
                + "baseurl=" + m + "linux/updates/$releasever/Everything/$basearch/\n"
                + "gpgcheck=1\ngpgkey=file://" + k + "\nskip_if_unavailable=1\n";
        try {
            String name = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 16) + ".repo";
            Path out = dir.resolve(name);
            if (!Files.isRegularFile(out)) {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, name, ".tmp");
                Files.writeString(tmp, text);
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the repository file of bootimage.mirror.fedora under " + dir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
