package io.github.bootimage.image;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;

/**
 * Makes an image built on a base share the base's bytes: each regular file of the image that the base
 * has at the same path, with the same mode, owner, size and content (compared byte for byte), becomes
 * a hard link to the base's file. Directory images are booted read-only under an overlay
 * ({@code systemd-nspawn --volatile=overlay}), so neither copy is ever written through the link.
 */
final class SharedFiles {
    private SharedFiles() {
    }

    /** What {@link #link} did. */
    public record Result(long files, long bytes) {
    }

    /**
     * Links the image's files identical to the base's to them.
     *
     * @param image the image tree (changed in place: a linked file is replaced atomically)
     * @param base  the base image tree (only read)
     */
    public static Result link(Path image, Path base) throws IOException {
        long[] linked = new long[2];
        Path realBase = base.toRealPath();
        if (!Objects.equals(unix(image).get("dev"), unix(realBase).get("dev"))) {
            return new Result(0, 0); // hard links cannot cross file systems
        }
        Files.walkFileTree(image, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                Path other = realBase.resolve(image.relativize(file).toString());
                Map<String, Object> mine = unix(file);
                Map<String, Object> theirs;
                try {
                    theirs = unix(other);
                } catch (NoSuchFileException e) {
                    return FileVisitResult.CONTINUE;
                }
                if (!Boolean.TRUE.equals(theirs.get("isRegularFile"))
                        || !Objects.equals(mine.get("size"), theirs.get("size"))
                        || !Objects.equals(mine.get("mode"), theirs.get("mode"))
                        || !Objects.equals(mine.get("uid"), theirs.get("uid"))
                        || !Objects.equals(mine.get("gid"), theirs.get("gid"))) {
                    return FileVisitResult.CONTINUE;
                }
                if (Objects.equals(mine.get("ino"), theirs.get("ino")) && Objects.equals(mine.get("dev"), theirs.get("dev"))) {
                    return FileVisitResult.CONTINUE; // already one file
                }
                // Only a file inside the base: a path through one of the base's symbolic links could lead anywhere (checked before any byte is read).
                Path rel = image.relativize(file);
                if (!other.getParent().toRealPath().equals(rel.getParent() == null ? realBase
                        : realBase.resolve(rel.getParent().toString()))) {
                    return FileVisitResult.CONTINUE;
                }
                if (Files.mismatch(file, other) != -1) {
                    return FileVisitResult.CONTINUE;
                }
                Path tmp = file.resolveSibling(".bootimage-link-" + file.getFileName());
                Files.deleteIfExists(tmp);
                Files.createLink(tmp, other);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                linked[0]++;
                linked[1] += attrs.size();
                return FileVisitResult.CONTINUE;
            }
        });
        return new Result(linked[0], linked[1]);
    }

    private static Map<String, Object> unix(Path p) throws IOException {
        return Files.readAttributes(p, "unix:isRegularFile,size,mode,uid,gid,ino,dev", LinkOption.NOFOLLOW_LINKS);
    }
}
