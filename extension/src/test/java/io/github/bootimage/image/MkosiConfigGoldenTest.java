package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.bootimage.ImageFormat;

/**
 * Pins the generated mkosi configuration for several distributions and both mkosi generations.
 * To accept a deliberate change: run with -Dgolden.update=true and review the diff of
 * extension/src/test/resources/golden/.
 */
class MkosiConfigGoldenTest {
    static final MkosiVersion V24 = MkosiVersion.parse("mkosi 24.3");
    static final MkosiVersion V25 = MkosiVersion.parse("mkosi 25.3");

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("debian-bookworm-mkosi24", ImageSpec.of("debian", "bookworm").withPackages("rpm", "fedora:httpd", "debian:apache2"), V24),
                Arguments.of("debian-trixie-mkosi25", ImageSpec.of("debian", "trixie").withPackages("curl"), V25),
                Arguments.of("debian-sid-mirror-vm", ImageSpec.of("debian", "sid").withMirror("http://mirror.example/debian/")
                        .withKernel(true).withSsh(true), V24),
                Arguments.of("fedora-41-mkosi24", ImageSpec.of("fedora", "41").withPackages("apache", "debian:apache2", "rpm"), V24),
                Arguments.of("ubuntu-noble-disk", ImageSpec.of("ubuntu", "").withFormat(ImageFormat.DISK).withKernel(true), V24),
                Arguments.of("arch-rolling-ssh", ImageSpec.of("arch", "").withSsh(true).withPackages("ssh-client"), V25),
                Arguments.of("opensuse-tumbleweed", ImageSpec.of("opensuse", "").withPackages("apache").withBuildPackages("gcc"), V24),
                Arguments.of("rhel-ubi-9-mirror", ImageSpec.of("rhel-ubi", "9").withMirror("https://ubi.example/"), V24));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void generatedConfigurationMatchesGoldenFile(String name, ImageSpec spec, MkosiVersion version) throws IOException {
        StringBuilder actual = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(MkosiConfig.of(spec, version).files()).entrySet()) {
            // The agent script is console-agent.sh itself (its own tests pin it); here only that it is there.
            String v = e.getKey().equals("agent/usr/lib/bootimage/agent.sh")
                    ? (e.getValue().startsWith("# bootimage agent") ? "(console-agent.sh)\n" : e.getValue()) : e.getValue();
            actual.append("=== ").append(e.getKey()).append('\n').append(v);
        }
        Path golden = Path.of("src/test/resources/golden", name + ".txt");
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(golden, actual);
        }
        assertEquals(Files.readString(golden), actual.toString(), "golden file " + golden + " differs");
    }

    @Test
    void debianNeverUsesTheDebugArchiveAndIsSigned() {
        String sources = MkosiConfig.of(ImageSpec.of("debian", "bookworm"), V24).files()
                .get("pkgmngr/etc/apt/sources.list.d/mkosi.sources");
        assertFalse(sources.contains("debug"), sources);
        assertTrue(sources.contains("Suites: bookworm bookworm-updates"), sources);
        assertTrue(sources.contains("Suites: bookworm-security"), sources);
        assertTrue(sources.contains("Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"), sources);
    }

    @Test
    void keyNamesFollowTheMkosiVersion() {
        assertTrue(MkosiConfig.of(ImageSpec.of("debian", "bookworm"), V24).mkosiConf().contains("PackageManagerTrees=pkgmngr"));
        String v25 = MkosiConfig.of(ImageSpec.of("debian", "bookworm"), V25).mkosiConf();
        assertTrue(v25.contains("[Build]\nSandboxTrees=pkgmngr"), v25);
        assertFalse(v25.contains("PackageManagerTrees"), v25);
    }

    @Test
    void keyChangesWithContentNotWithLocation(@TempDir Path a, @TempDir Path b) throws IOException {
        for (Path p : new Path[] {a, b}) {
            Files.createDirectories(p.resolve("www"));
            Files.writeString(p.resolve("www/index.html"), "hello");
        }
        String ka = MkosiConfig.of(ImageSpec.of("debian", "bookworm").withExtraTrees(a, "www:/srv/www"), V24).key();
        String kb = MkosiConfig.of(ImageSpec.of("debian", "bookworm").withExtraTrees(b, "www:/srv/www"), V24).key();
        assertEquals(ka, kb, "the same tree content in another folder must give the same key");
        Files.writeString(b.resolve("www/index.html"), "hello!");
        String kc = MkosiConfig.of(ImageSpec.of("debian", "bookworm").withExtraTrees(b, "www:/srv/www"), V24).key();
        assertNotEquals(ka, kc, "changed tree content must change the key");
        assertNotEquals(ka, MkosiConfig.of(ImageSpec.of("debian", "bookworm").withExtraTrees(a, "www:/srv/www"), V25).key(),
                "another mkosi version must change the key");
    }

    @Test
    void writtenDirectoryHoldsConfigTreesAndScripts(@TempDir Path src, @TempDir Path out) throws IOException {
        Files.createDirectories(src.resolve("tree/etc"));
        Files.writeString(src.resolve("tree/etc/motd"), "hi");
        Files.writeString(src.resolve("build.sh"), "#!/bin/sh\necho built\n");
        ImageSpec spec = ImageSpec.of("debian", "bookworm").withExtraTrees(src, "tree")
                .withBuildScripts(src, "build.sh").withPostInstallationScripts(src, "build.sh");
        MkosiConfig c = MkosiConfig.of(spec, V24);
        c.writeTo(out);
        assertEquals("hi", Files.readString(out.resolve("trees/0/etc/motd")));
        assertTrue(Files.isExecutable(out.resolve("scripts/build-0-build.sh")));
        assertTrue(c.mkosiConf().contains("ExtraTrees=\n        agent:/\n        trees/0:/"), c.mkosiConf());
        assertTrue(Files.readString(out.resolve("agent/usr/lib/bootimage/agent.sh")).contains("@@BI-READY"));
        assertTrue(c.mkosiConf().contains("BuildScripts=\n        scripts/build-0-build.sh"), c.mkosiConf());
        assertTrue(c.mkosiConf().contains("PostInstallationScripts=\n        scripts/postinst-0-build.sh"), c.mkosiConf());
    }
}
