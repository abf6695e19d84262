package io.github.bootimage.image.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.github.bootimage.BootImageException;
import io.github.bootimage.boot.HostCapabilities;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.process.ProcessRunner;

/**
 * A cache entry as one zstd-compressed tar file, made and read by GNU tar: a directory image holds
 * root-owned files, set-uid programs, symbolic and hard links, device nodes, sparse files, ACLs and
 * extended attributes (file capabilities among them), which tar keeps ({@code --numeric-owner
 * --xattrs --xattrs-include=* --acls --sparse}) and Java's archivers do not. Only root can restore
 * owners and the {@code security.}/{@code trusted.} attributes, so an unprivileged user unpacks with
 * its own owner and {@code user.} attributes (its images are qemu disk files, which need neither).
 */
final class EntryArchive {
    private EntryArchive() {
    }

    /** A packed entry: the file, its size and its {@code sha256:} digest. */
    public record Packed(Path file, long size, String digest) {
    }

    /** Packs a complete entry into {@code file} (zstd tar), leaving out its last-use stamp and qemu's fast initrd. */
    public static Packed pack(Path entry, Path file) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("tar", "--create", "--file=" + file, "--directory=" + entry,
                "--use-compress-program=zstd -T0 -3 -q", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls",
                "--sparse", "--one-file-system", "--exclude=./" + ImageCache.LAST_USED, "--exclude=./" + Image.FAST_INITRD, "."));
        run(cmd, "pack " + entry);
        return new Packed(file, Files.size(file), digest(file));
    }

    /** Unpacks a file made by {@link #pack} into {@code dir} (created), keeping what this user may keep. */
    public static void unpack(Path file, Path dir) throws IOException {
        Files.createDirectories(dir);
        boolean root = HostCapabilities.euid() == 0;
        List<String> cmd = new ArrayList<>(List.of("tar", "--extract", "--file=" + file, "--directory=" + dir,
                "--use-compress-program=zstd -q", "--numeric-owner", "--xattrs", "--sparse",
                "--preserve-permissions", root ? "--same-owner" : "--no-same-owner",
                root ? "--xattrs-include=*" : "--xattrs-include=user.*"));
        if (root) {
            cmd.add("--acls");
        }
        run(cmd, "unpack " + file);
    }

    /** The {@code sha256:<hex>} digest of a file, as OCI descriptors name content. */
    public static String digest(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void run(List<String> cmd, String what) throws IOException {
        ProcessRunner.Result r = ProcessRunner.onHostPath().run(cmd, TAR_TIMEOUT);
        if (!r.succeeded()) {
            String tail = r.output().strip();
            tail = tail.length() > 2000 ? "..." + tail.substring(tail.length() - 2000) : tail;
            throw new IOException("tar could not " + what + (r.timedOut() ? " within " + TAR_TIMEOUT.toMinutes()
                    + " minutes and was stopped" : " (exit code " + r.exitCode() + ")") + ": " + tail);
        }
    }

    /** How long packing or unpacking one entry may take. */
    private static final java.time.Duration TAR_TIMEOUT = java.time.Duration.ofMinutes(30);
}
