package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImageException;
import io.github.bootimage.ImageBuildException;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;

/** mkosi's failures surfaced, with a fake mkosi on a test PATH. */
class MkosiBuilderTest {

    static Path fakeMkosi(Path bin, String body) throws IOException {
        Files.createDirectories(bin);
        Path p = bin.resolve("mkosi");
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void aMissingPackageIsExplainedWithAptsLine(@TempDir Path dir) throws IOException {
        fakeMkosi(dir.resolve("bin"), """
                echo "‣ Installing Debian"
                for i in $(seq 1 50); do echo "Get:$i http://deb.debian.org/debian bookworm/main pkg$i"; done
                echo "E: Unable to locate package no-such-package-xyz" >&2
                echo "‣ \\"apt-get install no-such-package-xyz\\" returned non-zero exit code 100."
                exit 100
                """);
        MkosiBuilder b = new MkosiBuilder(new ProcessRunner(new HostTools(dir.resolve("bin") + ":/usr/bin:/bin")), dir.resolve("cache"),
                Duration.ofMinutes(1), false);
        Files.createDirectories(dir.resolve("out"));
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> b.build(ImageSpec.of("debian", "bookworm"),
                dir, dir.resolve("out"), dir.resolve("build.log")));
        String m = e.getMessage();
        assertTrue(m.startsWith("Package 'no-such-package-xyz' is not in the default repositories of debian:bookworm: check"
                + " the name in @BootImage packages (a 'distro:name' entry limits one to a distribution), or add a repository"
                + " that has it (@BootImage repositories, bootimage.repositories.debian).\n"
                + "mkosi failed to build the image debian:bookworm (exit code 100)"), m);
        assertTrue(m.contains("\ncommand: mkosi --directory " + dir), m);
        assertTrue(m.contains("what went wrong:\n  E: Unable to locate package no-such-package-xyz"), m);
        assertTrue(m.contains("full log: " + dir.resolve("build.log")), m);
        assertTrue(Files.readString(dir.resolve("build.log")).contains("Get:50"), "everything is in the log file");
    }

    @Test
    void aHungBuildIsStoppedByTheTimeout(@TempDir Path dir) throws IOException {
        fakeMkosi(dir.resolve("bin"), "echo starting\nexec sleep 60\n");
        MkosiBuilder b = new MkosiBuilder(new ProcessRunner(new HostTools(dir.resolve("bin") + ":/usr/bin:/bin")), dir.resolve("cache"),
                Duration.ofMillis(700), false);
        long start = System.nanoTime();
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> b.build(ImageSpec.of("debian", "bookworm"),
                dir, dir, dir.resolve("build.log")));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 20);
        assertTrue(e.getMessage().contains("set bootimage.timeout.build to allow more"), e.getMessage());
    }

    @Test
    void missingMkosiNamesThePackage(@TempDir Path dir) {
        MkosiBuilder b = new MkosiBuilder(new ProcessRunner(new HostTools(dir.toString())), dir, Duration.ofMinutes(1), false);
        BootImageException e = assertThrows(BootImageException.class, () -> b.build(ImageSpec.of("debian", "bookworm"),
                dir, dir, dir.resolve("build.log")));
        assertEquals("'mkosi' is not installed (not found on PATH), but it is needed to build the image debian:bookworm."
                + " Install the Debian package 'mkosi' (on Debian 12 from bookworm-backports), or run scripts/setup-host.sh"
                + " as root, which installs every host tool bootimage uses.", e.getMessage());
    }

    @Test
    void theCommandUsesTheSharedPackageCache(@TempDir Path dir) {
        MkosiBuilder b = new MkosiBuilder(new ProcessRunner(new HostTools("/usr/bin")), dir, Duration.ofMinutes(1), true);
        var cmd = b.command(ImageSpec.of("debian", "trixie"), dir.resolve("cfg"), dir.resolve("out"));
        assertEquals("mkosi", cmd.get(0));
        assertEquals("--package-cache-dir", cmd.get(5));
        assertEquals(dir.resolve("packages/debian-trixie").toString(), cmd.get(6));
        assertTrue(cmd.contains("--incremental"));
        assertEquals("build", cmd.get(cmd.size() - 1));
    }

    /** A fake mkosi that notes each call's arguments, and fails like apt on stale lists when told --cache-only=metadata. */
    private static MkosiBuilder layeredFake(Path dir) throws IOException {
        fakeMkosi(dir.resolve("bin"), """
                echo "$*" >>"%s"
                out=; prev=
                for a in "$@"; do [ "$prev" = --output-dir ] && out=$a; prev=$a; done
                case " $* " in
                  *" --cache-only=metadata "*)
                    : >"$out/image"
                    echo "E: Failed to fetch http://deb.debian.org/debian/pool/main/j/jq/jq_1.6-2.1_amd64.deb  404  Not Found" >&2
                    exit 100 ;;
                esac
                [ -e "$out/image" ] && { echo "Output path $out/image exists already." >&2; exit 1; }
                mkdir "$out/image"
                """.formatted(dir.resolve("calls")));
        return new MkosiBuilder(new ProcessRunner(new HostTools(dir.resolve("bin") + ":/usr/bin:/bin")), dir.resolve("cache"),
                Duration.ofMinutes(1), true);
    }

    @Test
    void aBuildOnABaseTakesTheCachedListsAndSyncsOnlyWhenThatFails(@TempDir Path dir) throws IOException {
        MkosiBuilder b = layeredFake(dir);
        ImageSpec spec = ImageSpec.of("debian", "bookworm").withPackages("jq");
        ImageRecipe onBase = ImageRecipe.of(null).onBase(dir.resolve("base"));
        Path packages = dir.resolve("cache/packages/debian-bookworm");
        assertFalse(MkosiBuilder.reusesMetadata(spec, onBase, packages), "no lists cached yet: sync");
        Files.createDirectories(packages.resolve("lib/apt/lists"));
        Files.writeString(packages.resolve("lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"), "");
        assertTrue(MkosiBuilder.reusesMetadata(spec, onBase, packages));
        assertFalse(MkosiBuilder.reusesMetadata(spec, ImageRecipe.of(null), packages), "a full build syncs");
        assertFalse(MkosiBuilder.reusesMetadata(ImageSpec.of("fedora", "41"), onBase, packages), "only apt's lists are reused");
        assertTrue(b.command(spec, onBase, dir.resolve("cfg"), dir.resolve("out"), true).contains("--cache-only=metadata"));
        assertFalse(b.command(spec, onBase, dir.resolve("cfg"), dir.resolve("out")).contains("--cache-only=metadata"));

        // The fake fails with the cached lists (a package the archive replaced since) and leaves an output behind:
        // the build runs again with the metadata synced, over a clean output directory.
        Path out = Files.createDirectories(dir.resolve("out"));
        b.build(spec, onBase, dir, out, dir.resolve("build.log"));
        List<String> calls = Files.readAllLines(dir.resolve("calls"));
        assertEquals(2, calls.size(), calls.toString());
        assertTrue(calls.get(0).contains("--cache-only=metadata") && calls.get(0).contains("--base-tree " + dir.resolve("base")), calls.get(0));
        assertFalse(calls.get(1).contains("--cache-only"), calls.get(1));
        assertTrue(Files.isDirectory(out.resolve("image")));
    }

    @Test
    void aFullBuildThatFailsIsNotBuiltAgain(@TempDir Path dir) throws IOException {
        fakeMkosi(dir.resolve("bin"), "echo \"$*\" >>\"" + dir.resolve("calls") + "\"\necho 'E: Unable to locate package jq' >&2\nexit 100\n");
        MkosiBuilder b = new MkosiBuilder(new ProcessRunner(new HostTools(dir.resolve("bin") + ":/usr/bin:/bin")), dir.resolve("cache"),
                Duration.ofMinutes(1), true);
        Path packages = Files.createDirectories(dir.resolve("cache/packages/debian-bookworm/lib/apt/lists"));
        Files.writeString(packages.resolve("x_Packages"), "");
        ImageSpec spec = ImageSpec.of("debian", "bookworm").withPackages("jq");
        Path out = Files.createDirectories(dir.resolve("out"));
        ImageBuildException e = assertThrows(ImageBuildException.class,
                () -> b.build(spec, ImageRecipe.of(null), dir, out, dir.resolve("build.log")));
        assertTrue(e.getMessage().contains("mkosi failed to build the image debian:bookworm (exit code 100)"), e.getMessage());
        assertEquals(1, Files.readAllLines(dir.resolve("calls")).size());
    }

    @Test
    void versionParsingAndTooOld(@TempDir Path dir) throws IOException {
        assertEquals(25, MkosiVersion.parse("mkosi 25.3\n").major());
        assertEquals("24.3", MkosiVersion.parse("mkosi 24.3").text());
        fakeMkosi(dir.resolve("bin"), "echo 'mkosi 14'\n");
        BootImageException e = assertThrows(BootImageException.class,
                () -> MkosiVersion.detect(new ProcessRunner(new HostTools(dir.resolve("bin") + ":/usr/bin:/bin"))));
        assertTrue(e.getMessage().startsWith("mkosi 14 is too old: bootimage needs mkosi 24 or newer"), e.getMessage());
    }

    @Test
    void aFailedScriptIsNamedByItsHostPathWithItsExitCode() {
        List<String> lines = List.of("‣  Running build script /src/p/mkosi.build…", "‣  Copying in extra file trees…",
                "‣  Running postinstall script /src/p/mkosi.postinst…", "postinst: giving up",
                "‣ \"/work/postinst final\" returned non-zero exit code 3.");
        assertEquals("/src/p/mkosi.postinst (postinstall script, exit code 3)",
                MkosiBuilder.failedScript(lines).orElseThrow());
        assertTrue(MkosiBuilder.failedScript(List.of("E: Unable to locate package x")).isEmpty());
    }
}
