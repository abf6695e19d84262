package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code @BootImage(buildSources = ...)} as mkosi {@code BuildSources=}: golden configuration, copies, cache key. */
class MkosiConfigBuildSourcesTest {

    private static final MkosiVersion MKOSI_24 = new MkosiVersion(24, "24.3");

    @TempDir
    Path base;

    private ImageSpec spec() throws IOException {
        if (!Files.exists(base.resolve("hello"))) {
            Files.createDirectories(base.resolve("hello"));
            Files.writeString(base.resolve("hello/hello.c"), "int main(void) { return 0; }\n");
            Files.writeString(base.resolve("hello.build"), "#!/bin/sh\nmake -C \"$SRCDIR/hello\"\n");
        }
        return ImageSpec.of("debian", "bookworm")
                .withBuildScripts(base, "hello.build")
                .withBuildPackages("gcc", "make")
                .withBuildSources(base, "hello:hello");
    }

    @Test
    void mkosiConfMountsEachSourceUnderSrcdir() throws IOException {
        String conf = MkosiConfig.of(spec(), MKOSI_24).mkosiConf();
        // The part this option owns, exactly (the packages above it are pinned by the golden files).
        assertEquals("""
                BuildPackages=
                        gcc
                        make
                Autologin=yes
                Bootable=no
                ExtraTrees=
                        agent:/
                BuildScripts=
                        scripts/build-0-hello.build
                BuildSources=
                        sources/0:hello
                """, conf.substring(conf.indexOf("BuildPackages=")));
        assertTrue(conf.contains("\n[Content]\n"), conf);
    }

    @Test
    void aSourceWithoutTargetIsSrcdirItself() throws IOException {
        Files.createDirectories(base.resolve("proj"));
        ImageSpec s = ImageSpec.of("debian", "bookworm").withBuildSources(base, "proj");
        assertEquals("", s.buildSources().get(0).target());
        assertTrue(MkosiConfig.of(s, MKOSI_24).mkosiConf().contains("BuildSources=\n        sources/0\n"));
    }

    @Test
    void sourcesAreCopiedIntoTheConfigurationDirectory() throws IOException {
        Path dir = base.resolve("out");
        MkosiConfig.of(spec(), MKOSI_24).writeTo(dir);
        assertEquals("int main(void) { return 0; }\n", Files.readString(dir.resolve("sources/0/hello.c")));
        assertTrue(Files.isExecutable(dir.resolve("scripts/build-0-hello.build")));
    }

    @Test
    void changingASourceFileChangesTheCacheKey() throws IOException {
        String before = MkosiConfig.of(spec(), MKOSI_24).key();
        Files.writeString(base.resolve("hello/hello.c"), "int main(void) { return 1; }\n");
        assertNotEquals(before, MkosiConfig.of(spec(), MKOSI_24).key());
    }

    @Test
    void aMissingSourceDirectoryIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSpec.of("debian", "bookworm").withBuildSources(base, "nope"));
        assertEquals("@BootImage buildSources entry 'nope' does not exist as a directory (looked at "
                + base.resolve("nope") + "). Paths are relative to the working directory, the module's folder"
                + " under Maven: create it or fix the path.", e.getMessage());
    }

    @Test
    void anAbsoluteOrEscapingTargetIsRejected() throws IOException {
        Files.createDirectories(base.resolve("proj"));
        for (String entry : new String[] {"proj:/usr/src", "proj:../up"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ImageSpec.of("debian", "bookworm").withBuildSources(base, entry));
            assertEquals("@BootImage buildSources entry '" + entry + "': the target after ':' is a path relative"
                    + " to $SRCDIR, such as 'hello' (mounted at $SRCDIR/hello)", e.getMessage());
        }
    }
}
