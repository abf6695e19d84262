package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.ImageFormat;

/** A user's mkosi project without mkosi: validation, the content hash, the key, the include, the checks. */
class UserMkosiProjectTest {
    static final MkosiVersion V24 = MkosiVersion.parse("mkosi 24.3");
    static final ProjectSettings BOOKWORM = new ProjectSettings("debian", "bookworm", "directory",
            false, List.of(), "layer");

    @TempDir
    Path tmp;

    Path project(String name) throws IOException {
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.writeString(d.resolve("mkosi.conf"), "[Distribution]\nDistribution=debian\nRelease=bookworm\n");
        Files.createDirectories(d.resolve("mkosi.extra/etc"));
        Files.writeString(d.resolve("mkosi.extra/etc/motd"), "hello\n");
        Files.writeString(d.resolve("mkosi.postinst"), "#!/bin/sh\ntrue\n");
        Files.setPosixFilePermissions(d.resolve("mkosi.postinst"), PosixFilePermissions.fromString("rwxr-xr-x"));
        return d;
    }

    UserMkosiProject at(Path dir) {
        return UserMkosiProject.at(tmp, dir.toString());
    }

    @Test
    void aMissingDirectoryIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UserMkosiProject.at(tmp, "nope"));
        assertEquals("@BootImage mkosiConfig 'nope' does not exist as a directory (looked at " + tmp.resolve("nope")
                + "). Paths are relative to the working directory, the module's folder under Maven: create it or fix"
                + " the path.", e.getMessage());
    }

    @Test
    void aDirectoryWithOnlyMkosiConfDIsAProject() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("dropins/mkosi.conf.d"));
        assertEquals(d.getParent(), UserMkosiProject.at(tmp, "dropins").directory());
    }

    @Test
    void theContentHashIgnoresWhereTheProjectLives() throws IOException {
        assertEquals(at(project("a")).contentHash(), at(project("b")).contentHash());
    }

    @Test
    void theContentHashChangesWithAFilesContent() throws IOException {
        Path a = project("a");
        String before = at(a).contentHash();
        Files.writeString(a.resolve("mkosi.extra/etc/motd"), "hello!\n");
        assertNotEquals(before, at(a).contentHash());
    }

    @Test
    void theContentHashChangesWithAMode() throws IOException {
        Path a = project("a");
        String before = at(a).contentHash();
        Files.setPosixFilePermissions(a.resolve("mkosi.extra/etc/motd"), PosixFilePermissions.fromString("rw-------"));
        assertNotEquals(before, at(a).contentHash());
    }

    @Test
    void theContentHashChangesWithAScript() throws IOException {
        Path a = project("a");
        String before = at(a).contentHash();
        Files.writeString(a.resolve("mkosi.postinst"), "#!/bin/sh\necho changed\n");
        assertNotEquals(before, at(a).contentHash());
    }

    @Test
    void theContentHashChangesWithASymlinkTargetAndANewFile() throws IOException {
        Path a = project("a");
        Files.createSymbolicLink(a.resolve("mkosi.extra/etc/link"), Path.of("motd"));
        String withLink = at(a).contentHash();
        Files.delete(a.resolve("mkosi.extra/etc/link"));
        Files.createSymbolicLink(a.resolve("mkosi.extra/etc/link"), Path.of("other"));
        String otherTarget = at(a).contentHash();
        assertNotEquals(withLink, otherTarget);
        Files.writeString(a.resolve("mkosi.extra/etc/empty"), "");
        assertNotEquals(otherTarget, at(a).contentHash());
    }

    @Test
    void mkosisOwnOutputAndCacheDirectoriesAreNotContent() throws IOException {
        Path a = project("a");
        String before = at(a).contentHash();
        Files.createDirectories(a.resolve("mkosi.output"));
        Files.writeString(a.resolve("mkosi.output/image.raw"), "x");
        Files.createDirectories(a.resolve("mkosi.cache"));
        assertEquals(before, at(a).contentHash());
    }

    @Test
    void theKeyFollowsTheContentNotTheLocation() throws IOException {
        Path a = project("a");
        Path b = project("b");
        assertEquals(key(a, BOOKWORM), key(b, BOOKWORM));
        Files.writeString(b.resolve("mkosi.postinst"), "#!/bin/sh\nexit 0\n");
        assertNotEquals(key(a, BOOKWORM), key(b, BOOKWORM));
    }

    @Test
    void theKeyCoversWhatBootimageAdds() throws IOException {
        Path a = project("a");
        UserMkosiProject p = at(a);
        ImageSpec spec = p.spec(BOOKWORM, "", "", s -> s);
        String plain = p.recipe(BOOKWORM, spec, V24).key();
        assertNotEquals(plain, p.recipe(BOOKWORM, spec.withSsh(true), V24).key(), "the SSH server");
        assertNotEquals(plain, p.recipe(BOOKWORM, spec.withPackages("curl"), V24).key(), "the declaration's packages");
        assertNotEquals(plain, p.recipe(BOOKWORM, spec, MkosiVersion.parse("mkosi 25.3")).key(), "the mkosi version");
    }

    String key(Path dir, ProjectSettings s) {
        UserMkosiProject p = at(dir);
        return p.recipe(s, p.spec(s, "", "", x -> x), V24).key();
    }

    @Test
    void mkosiReadsTheProjectAsItIsAndBootimagesDirectoryBesideIt() throws IOException {
        Path a = project("a");
        UserMkosiProject p = at(a);
        ProjectRecipe r = p.recipe(BOOKWORM, p.spec(BOOKWORM, "", "", s -> s), V24);
        Path config = tmp.resolve("cfg");
        assertEquals(List.of("--directory", a.toString(), "--include", config.toString(), "--distribution", "debian",
                "--release", "bookworm", "--format", "directory", "--output", "image", "--autologin", "yes"),
                r.mkosiArguments(config));
        r.writeTo(config);
        String conf = Files.readString(config.resolve("mkosi.conf"));
        assertFalse(conf.contains("Distribution="), conf);
        assertFalse(conf.contains("Release="), conf);
        assertFalse(conf.contains("Format="), conf);
        assertTrue(conf.contains("Autologin=yes"), conf);
        assertTrue(conf.contains("\n        systemd\n"), conf);
        assertTrue(conf.contains("PackageManagerTrees=pkgmngr"), "the project sets no repositories: bootimage's apply\n" + conf);
        assertTrue(Files.readString(config.resolve("pkgmngr/etc/apt/sources.list.d/mkosi.sources"))
                .contains("Suites: bookworm bookworm-updates"));
    }

    @Test
    void aProjectWithItsOwnMirrorGetsNoRepositorySettings() throws IOException {
        ProjectSettings own = new ProjectSettings("debian", "bookworm", "directory", true, List.of(), "l");
        UserMkosiProject p = at(project("a"));
        ProjectRecipe r = p.recipe(own, p.spec(own, "", "", s -> s).withMirror("http://127.0.0.1:9/debian"), V24);
        Path config = tmp.resolve("cfg");
        r.writeTo(config);
        String conf = Files.readString(config.resolve("mkosi.conf"));
        assertFalse(conf.contains("PackageManagerTrees"), conf);
        assertFalse(conf.contains("Mirror="), conf);
        assertFalse(Files.exists(config.resolve("pkgmngr")));
    }

    @Test
    void theReleaseComesFromTheConfigurationEvenOneBootimageDoesNotKnow() throws IOException {
        ProjectSettings forky = new ProjectSettings("debian", "forky", "disk", false, List.of(), "l");
        ImageSpec spec = at(project("a")).spec(forky, "", "", s -> s.withPackages("curl"));
        assertEquals("forky", spec.release());
        assertEquals(ImageFormat.DISK, spec.format());
        assertTrue(spec.allPackages().contains("curl"));
    }

    @Test
    void anExplicitDistroThatDiffersIsAnErrorNamingBoth() throws IOException {
        Path a = project("a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> at(a).spec(BOOKWORM, "ubuntu", "", s -> s));
        assertEquals("@BootImage distro = \"ubuntu\" differs from the mkosi configuration " + a + ", which builds"
                + " Distribution=debian: remove distro (the configuration decides), make them agree, or use @DistroMatrix"
                + " to build the configuration for other distributions.", e.getMessage());
    }

    @Test
    void anExplicitReleaseThatDiffersIsAnErrorNamingBoth() throws IOException {
        Path a = project("a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> at(a).spec(BOOKWORM, "debian", "trixie", s -> s));
        assertTrue(e.getMessage().startsWith("@BootImage release = \"trixie\" differs from the mkosi configuration " + a
                + ", which builds Release=bookworm: remove release"), e.getMessage());
        assertEquals("bookworm", at(a).spec(BOOKWORM, "debian", "bookworm", s -> s).release(), "agreeing values are fine");
    }

    @Test
    void anOutputFormatThatCannotBootNamesTheSettingAndTheFix() throws IOException {
        ProjectSettings tar = new ProjectSettings("debian", "bookworm", "tar", false, List.of(), "l");
        Path a = project("a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> at(a).spec(tar, "", "", s -> s));
        assertEquals("The mkosi configuration " + a + " sets Format=tar, an output that bootimage cannot boot: set"
                + " Format=directory (booted with systemd-nspawn) or Format=disk (booted with qemu), or remove Format="
                + " (mkosi's default is disk).", e.getMessage());
    }

    @Test
    void removingSystemdIsAnErrorNamingTheSetting() throws IOException {
        ProjectSettings noSystemd = new ProjectSettings("debian", "bookworm", "directory", false,
                List.of("systemd-sysv"), "l");
        Path a = project("a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> at(a).spec(noSystemd, "", "", s -> s));
        assertTrue(e.getMessage().startsWith("The mkosi configuration " + a + " sets RemovePackages=systemd-sysv, but"
                + " bootimage boots the guest with systemd as init ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("): remove systemd-sysv from RemovePackages=."), e.getMessage());
    }

    @Test
    void aDistributionBootimageCannotBootIsNamed() throws IOException {
        ProjectSettings kali = new ProjectSettings("kali", "rolling", "directory", false, List.of(), "l");
        Path a = project("a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> at(a).spec(kali, "", "", s -> s));
        assertTrue(e.getMessage().startsWith("The mkosi configuration " + a + " builds Distribution=kali, which bootimage"
                + " cannot boot: it knows debian, ubuntu,"), e.getMessage());
    }

    @Test
    void mkosisSummaryGivesDistributionReleaseFormatAndRepositories() throws IOException {
        String json = "{\"Images\": [{\"Distribution\": \"debian\", \"Release\": \"trixie\", \"Format\": \"directory\","
                + " \"Mirror\": null, \"PackageManagerTrees\": [], \"Packages\": [\"busybox\"], \"RemovePackages\": [],"
                + " \"Autologin\": false, \"Nested\": {\"a\": [1, 2.5, true, \"x\\\"y\\u00e9\"]}}]}";
        ProjectSettings s = ProjectSettings.fromSummary(json);
        assertEquals("debian", s.distribution());
        assertEquals("trixie", s.release());
        assertEquals("directory", s.format());
        assertFalse(s.ownRepositories());
        String withMirror = json.replace("\"Mirror\": null", "\"Mirror\": \"http://127.0.0.1/debian\"");
        assertTrue(ProjectSettings.fromSummary(withMirror).ownRepositories());
        String withSkeleton = json.replace("\"PackageManagerTrees\": []",
                "\"PackageManagerTrees\": [{\"Source\": \"" + tmp + "\"}]");
        assertFalse(ProjectSettings.fromSummary(withSkeleton).ownRepositories(),
                "mkosi 24's default package-manager trees are the skeleton trees: no repository files there");
        assertEquals(s.packageLayer(), ProjectSettings.fromSummary(withSkeleton).packageLayer(),
                "the package layer does not depend on where the project lives");
        Files.createDirectories(tmp.resolve("etc/apt/sources.list.d"));
        assertTrue(ProjectSettings.fromSummary(withSkeleton).ownRepositories());
        assertNotEquals(s.packageLayer(), ProjectSettings.fromSummary(json.replace("busybox", "curl")).packageLayer());
    }

    @Test
    void aRejectedSettingQuotesMkosisLineAndNamesTheFile() {
        Path dir = Path.of("/work/p");
        String m = MkosiSummary.rejectedMessage(dir, List.of(
                "‣ Including configuration file /work/p/mkosi.conf",
                "‣ Including configuration file /work/p/mkosi.conf.d/10-bad.conf",
                "‣ Unknown setting Packagez",
                "Traceback (most recent call last):",
                "SystemExit: 1"), 1, "mkosi --directory /work/p --debug --json summary");
        assertEquals("mkosi rejects the configuration in /work/p: \"Unknown setting Packagez\" in mkosi.conf.d/10-bad.conf."
                + " Fix or remove that setting ('man mkosi' lists the settings and values this mkosi knows); 'mkosi summary'"
                + " in the directory shows the same error.\ncommand: mkosi --directory /work/p --debug --json summary", m);
    }
}
