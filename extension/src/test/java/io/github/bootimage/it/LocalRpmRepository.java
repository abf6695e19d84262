package io.github.bootimage.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes the signed RPM repository of this host ({@code scripts/make-rpm-repo.sh}) once per JVM, in the image
 * cache ({@code <bootimage.cache.dir>/rpm-repo}, reused while its inputs are unchanged), and links it at
 * {@code target/rpm-repo}, where {@code src/test/rpm/local.repo} points. Register it before
 * {@code @BootImage} so the repository exists before the image is resolved.
 */
public final class LocalRpmRepository implements BeforeAllCallback {
    public static final String REPO_FILE = "src/test/rpm/local.repo";
    private static Path made;
    private static long millis;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        ensure(context.getConfigurationParameter("bootimage.cache.dir"));
    }

    /** The repository directory (target/rpm-repo), made or found. */
    public static synchronized Path ensure(Optional<String> cacheDir) throws IOException, InterruptedException {
        if (made != null) {
            return made;
        }
        Path cache = Path.of(cacheDir.or(() -> Optional.ofNullable(System.getProperty("bootimage.cache.dir")))
                .orElse(System.getProperty("user.home") + "/.cache/bootimage"));
        Path dir = cache.toAbsolutePath().resolve("rpm-repo");
        Path script = projectRoot().resolve("scripts/make-rpm-repo.sh");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(List.of("bash", script.toString(), dir.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(script + " " + dir + " failed (exit code " + p.exitValue() + "):\n" + out);
        }
        millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("[LocalRpmRepository] " + out.strip().replace("\n", "\n[LocalRpmRepository] ") + " in " + millis + " ms");
        Path link = Path.of("target/rpm-repo").toAbsolutePath();
        Files.createDirectories(link.getParent());
        Path tmp = link.resolveSibling("rpm-repo.link-" + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, dir);
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        made = link;
        return made;
    }

    /** How long making (or finding) the repository took. */
    public static long millis() {
        return millis;
    }

    private static Path projectRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("scripts/make-rpm-repo.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("scripts/make-rpm-repo.sh not found above " + Path.of("").toAbsolutePath());
    }
}
