package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageBuilder;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.image.ProjectRecipe;
import io.github.bootimage.image.ProjectSettings;
import io.github.bootimage.image.UserMkosiProject;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.ProjectRequest;
import io.github.bootimage.process.HostTools;

/**
 * A user's own mkosi project built as it is and booted in nspawn: every kind of file mkosi reads in the
 * directory leaves its trace in the guest, the directory is unchanged, an unchanged project resolves
 * without mkosi, and a one-file change rebuilds on the installed package layer. One cold build (the
 * fixture) and two incremental ones.
 */
class UserMkosiProjectIT {
    static final Path FIXTURE = Path.of("src/test/mkosi/project");
    static final BootImageRuntime FACTORY = ImageTier.factory();

    @TempDir
    static Path work;
    static Path project;
    static Map<String, String> before;
    static DefaultMachine machine;
    static long firstResolveMillis;

    @BeforeAll
    static void buildAndBoot() throws IOException {
        project = copy(FIXTURE, work.resolve("project"));
        before = snapshot(project);
        long t0 = System.nanoTime();
        FACTORY.image(request(project));
        firstResolveMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("[UserMkosiProjectIT] first resolution of the fixture project (cold unless cached): "
                + firstResolveMillis + " ms");
        machine = FACTORY.boot(request(project));
    }

    @AfterAll
    static void stop() {
        if (machine != null) {
            machine.close();
        }
    }

    static MachineRequest request(Path dir) {
        return new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE, null,
                "UserMkosiProjectIT", new ProjectRequest(UserMkosiProject.at(Path.of(""), dir.toString()), "", "", false,
                s -> s, null));
    }

    @Test
    void everyKindOfFileMkosiReadsShapesTheImage() {
        assertEquals("bookworm", machine.osRelease().get("VERSION_CODENAME"));
        assertTrue(machine.packages().isInstalled("busybox"), "Packages= of mkosi.conf");
        assertEquals("from mkosi.extra\n", machine.succeed("cat", "/etc/bi-extra"));
        assertEquals("bi-tool ran\n", machine.succeed("/usr/local/bin/bi-tool"), "mkosi.extra keeps modes");
        assertEquals("from mkosi.skeleton\n", machine.succeed("cat", "/etc/bi-skeleton"));
        assertEquals("from an included file's tree\n", machine.succeed("cat", "/etc/bi-included"), "Include=");
        assertEquals("from a [Match] Release=bookworm drop-in\n", machine.succeed("cat", "/etc/bi-match"), "mkosi.conf.d/ with [Match]");
        assertEquals("prepared\n", machine.succeed("cat", "/etc/bi-prepare"), "mkosi.prepare");
        assertEquals("built\n", machine.succeed("cat", "/usr/share/bi/built"), "mkosi.build");
        assertEquals("postinst final\n", machine.succeed("cat", "/etc/bi-postinst"), "mkosi.postinst");
        assertEquals("postinst inside the image\n", machine.succeed("cat", "/etc/bi-postinst-chroot"), "mkosi.postinst.chroot");
        assertEquals("finalized\n", machine.succeed("cat", "/etc/bi-finalize"), "mkosi.finalize");
        assertEquals(1, machine.exec("dpkg-query", "-W", "no-such-package-bootimage").exitCode(),
                "the drop-in that matches Distribution=fedora was not read");
    }

    @Test
    void theProjectDirectoryIsUnchangedByTheBuild() throws IOException {
        assertEquals(before, snapshot(project));
        try (Stream<Path> s = Files.list(project)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("mkosi.output")
                    || p.getFileName().toString().equals("mkosi.cache")), "mkosi wrote no output into the project");
        }
    }

    @Test
    void anUnchangedProjectResolvesWithoutRunningMkosi() {
        Image hit = resolveWithoutMkosi(project);
        assertEquals(machine.info().image(), hit.entry());
    }

    @Test
    void aChangedExtraFileRebuildsOnTheInstalledPackageLayer() throws IOException {
        Path changed = copy(FIXTURE, work.resolve("changed"));
        // A new content on every run: a content seen before (in any directory) is a cache hit.
        String content = "changed in mkosi.extra at " + System.nanoTime() + "\n";
        Files.writeString(changed.resolve("mkosi.extra/etc/bi-extra"), content);
        long t0 = System.nanoTime();
        Image rebuilt = FACTORY.image(request(changed));
        long rebuildMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("[UserMkosiProjectIT] rebuild after a one-file change in mkosi.extra: " + rebuildMillis
                + " ms (first resolution of the fixture: " + firstResolveMillis + " ms)");
        assertNotEquals(machine.info().image(), rebuilt.entry(), "a changed file is a new image");
        assertEquals(content, Files.readString(rebuilt.directory().resolve("etc/bi-extra")));
        assertEquals("prepared\n", Files.readString(rebuilt.directory().resolve("etc/bi-prepare")));
        ProjectRecipe before = recipeOf(project);
        ProjectRecipe after = recipeOf(changed);
        assertEquals(before.packageLayerKey(before.spec()), after.packageLayerKey(after.spec()),
                "the rebuild runs on the installed package layer of the first build");
        assertTrue(rebuildMillis < 120_000, "the rebuild reuses the installed package layer: " + rebuildMillis + " ms");
    }

    @Test
    void theDeclarationsTreesAndScriptsAddToTheProject() throws IOException {
        Path tree = Files.createDirectories(work.resolve("annotation-tree/etc"));
        Files.writeString(tree.resolve("bi-annotation-tree"), "from @BootImage extraTrees\n");
        Path script = work.resolve("annotation.postinst");
        Files.writeString(script, "#!/bin/sh\necho \"from @BootImage postInstallationScripts\" > \"$BUILDROOT/etc/bi-annotation-postinst\"\n");
        Path base = Path.of("");
        MachineRequest r = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE, null,
                "UserMkosiProjectIT", new ProjectRequest(UserMkosiProject.at(base, project.toString()), "", "", false,
                s -> s.withExtraTrees(base, tree.getParent().toString()).withPostInstallationScripts(base, script.toString()),
                null));
        Image image = FACTORY.image(r);
        assertNotEquals(machine.info().image(), image.entry(), "the additions are part of the key");
        assertEquals("from @BootImage extraTrees\n", Files.readString(image.directory().resolve("etc/bi-annotation-tree")));
        assertEquals("from @BootImage postInstallationScripts\n",
                Files.readString(image.directory().resolve("etc/bi-annotation-postinst")));
        assertEquals("from mkosi.extra\n", Files.readString(image.directory().resolve("etc/bi-extra")), "the project's own files");
        assertEquals(before, snapshot(project));
    }

    @Test
    void aChangedScriptOrModeIsANewImageOnTheSamePackageLayer() throws IOException {
        ProjectRecipe original = recipeOf(project);
        Path script = copy(FIXTURE, work.resolve("script"));
        Files.writeString(script.resolve("mkosi.postinst"), Files.readString(script.resolve("mkosi.postinst")) + "true\n");
        ProjectRecipe changedScript = recipeOf(script);
        assertNotEquals(original.key(), changedScript.key(), "a changed script rebuilds");
        assertEquals(original.packageLayerKey(changedScript.spec()), changedScript.packageLayerKey(changedScript.spec()),
                "on the installed package layer");
        Path mode = copy(FIXTURE, work.resolve("mode"));
        Files.setPosixFilePermissions(mode.resolve("mkosi.extra/etc/bi-extra"), PosixFilePermissions.fromString("rw-------"));
        assertNotEquals(original.key(), recipeOf(mode).key(), "a changed mode rebuilds");
    }

    /** The recipe of a project as the factory builds it (mkosi reads the project once, then it is remembered). */
    static ProjectRecipe recipeOf(Path dir) {
        MkosiVersion v = FACTORY.cache().mkosiVersion();
        UserMkosiProject p = UserMkosiProject.at(Path.of(""), dir.toString());
        ProjectSettings s = p.settings(FACTORY.tools(), v, FACTORY.settings().cacheDir(), null, null);
        return p.recipe(s, FACTORY.effectiveSpec(p.spec(s, "", "", x -> x), Boot.NSPAWN, Transport.CONSOLE), v);
    }

    @Test
    void aThousandFileProjectResolvesFromTheCacheInMilliseconds() throws IOException {
        Path big = copy(FIXTURE, work.resolve("big"));
        Path many = Files.createDirectories(big.resolve("mkosi.extra/srv/many"));
        long missing = 1000 - fileCount(big);
        for (int i = 0; i < missing; i++) {
            Files.writeString(many.resolve("f" + i + ".txt"), "file " + i + "\n".repeat(1 + i % 50));
        }
        assertEquals(1000, fileCount(big));
        Image built = FACTORY.image(request(big));
        assertTrue(Files.isRegularFile(built.directory().resolve("srv/many/f0.txt")));
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            Image hit = resolveWithoutMkosi(big);
            best = Math.min(best, System.nanoTime() - t0);
            assertEquals(built.entry(), hit.entry());
        }
        System.out.printf("[UserMkosiProjectIT] cache-hit resolution of a 1,000-file project: %.1f ms (best of 5)%n",
                best / 1e6);
        assertTrue(best < Duration.ofSeconds(2).toNanos(), "a cache hit reads the files, it does not build: " + best / 1e6 + " ms");
    }

    /** Resolves a project with no mkosi on the PATH and a builder that fails the test if it runs. */
    static Image resolveWithoutMkosi(Path dir) {
        ImageBuilder mustNotRun = (s, config, out, log) -> {
            throw new AssertionError("mkosi ran for a cached project image");
        };
        MkosiVersion v = FACTORY.cache().mkosiVersion();
        ImageCache noBuild = new ImageCache(FACTORY.cache().root(), v, mustNotRun, MirrorCheck.none());
        UserMkosiProject p = UserMkosiProject.at(Path.of(""), dir.toString());
        ProjectSettings s = p.settings(new HostTools(""), v, FACTORY.settings().cacheDir(), null, null);
        ImageSpec spec = FACTORY.effectiveSpec(p.spec(s, "", "", x -> x), Boot.NSPAWN, Transport.CONSOLE);
        return noBuild.resolve(spec, p.recipe(s, spec, v));
    }

    static long fileCount(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    /** Every entry of a directory: relative path to type, mode and content (or link target). */
    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                String mode = Files.isSymbolicLink(p) ? "link"
                        : PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                String content = Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).toString()
                        : Files.isRegularFile(p) ? Files.readString(p) : "dir";
                out.put(rel, mode + " " + content + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
            }
        }
        return out;
    }

    static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }
}
