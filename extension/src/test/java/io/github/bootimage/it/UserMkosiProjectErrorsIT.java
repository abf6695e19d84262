package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.Boot;
import io.github.bootimage.ImageBuildException;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.UserMkosiProject;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.ProjectRequest;

/**
 * A user's mkosi project that mkosi rejects or that cannot boot, with the real mkosi: each error quotes
 * mkosi or names the setting and the fix. Only the failing script builds (on the fixture's package layer).
 */
class UserMkosiProjectErrorsIT {
    static final BootImageRuntime FACTORY = ImageTier.factory();

    @TempDir
    Path work;

    Path project(String name) throws IOException {
        return UserMkosiProjectIT.copy(UserMkosiProjectIT.FIXTURE, work.resolve(name));
    }

    static MachineRequest request(Path dir, String distro, String release, boolean override) {
        return new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE, null,
                "UserMkosiProjectErrorsIT", new ProjectRequest(UserMkosiProject.at(Path.of(""), dir.toString()), distro,
                release, override, s -> s, null));
    }

    @Test
    void aSettingMkosiRejectsIsQuotedWithItsFile() throws IOException {
        Path p = project("rejected");
        Files.writeString(p.resolve("mkosi.conf.d/30-typo.conf"), "[Content]\nPackagez=curl\n");
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> FACTORY.image(request(p, "", "", false)));
        assertTrue(e.getMessage().startsWith("mkosi rejects the configuration in " + p
                + ": \"Unknown setting Packagez\" in mkosi.conf.d/30-typo.conf. Fix or remove that setting"), e.getMessage());
    }

    @Test
    void aScriptThatFailsDuringTheBuildShowsItsOutputAndExitCode() throws IOException {
        Path p = project("failing");
        Files.writeString(p.resolve("mkosi.postinst"), "#!/bin/sh\necho 'postinst: configuring the web root'\n"
                + "echo 'postinst: /srv/www is missing, giving up' >&2\nexit 3\n");
        MachineRequest r = request(p, "", "", false);
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> FACTORY.image(r));
        String m = e.getMessage();
        assertTrue(m.startsWith("mkosi failed to build the image debian:bookworm (exit code"), m);
        assertTrue(m.contains("\nfailed script: " + p.resolve("mkosi.postinst") + " (postinstall script, exit code 3)\n"), m);
        assertTrue(m.contains("\" returned non-zero exit code 3."), m);
        assertTrue(m.contains("postinst: configuring the web root"), m);
        assertTrue(m.contains("postinst: /srv/www is missing, giving up"), m);
        assertTrue(m.contains("last lines of mkosi's output:"), m);
        assertFalse(Files.exists(FACTORY.entryOf(r)), "nothing half-written is published");
    }

    @Test
    void anOutputFormatThatCannotBootNamesTheSettingAndTheFix() throws IOException {
        Path p = project("tar");
        Files.writeString(p.resolve("mkosi.conf.d/30-tar.conf"), "[Output]\nFormat=tar\n");
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> FACTORY.image(request(p, "", "", false)));
        assertEquals("The mkosi configuration " + p + " sets Format=tar, an output that bootimage cannot boot: set"
                + " Format=directory (booted with systemd-nspawn) or Format=disk (booted with qemu), or remove Format="
                + " (mkosi's default is disk).", e.getMessage());
    }

    @Test
    void removingSystemdNamesTheSettingAndTheFix() throws IOException {
        Path p = project("nosystemd");
        Files.writeString(p.resolve("mkosi.conf.d/30-slim.conf"), "[Content]\nRemovePackages=systemd\n");
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> FACTORY.image(request(p, "", "", false)));
        assertTrue(e.getMessage().startsWith("The mkosi configuration " + p + " sets RemovePackages=systemd, but bootimage"
                + " boots the guest with systemd as init"), e.getMessage());
    }

    @Test
    void anExplicitDistroOtherThanTheConfigurationsIsAnError() throws IOException {
        Path p = project("explicit");
        ImageBuildException e = assertThrows(ImageBuildException.class,
                () -> FACTORY.image(request(p, "ubuntu", "noble", false)));
        assertTrue(e.getMessage().startsWith("@BootImage distro = \"ubuntu\" differs from the mkosi configuration " + p
                + ", which builds Distribution=debian: "), e.getMessage());
    }

    @Test
    void aMatrixEntryOverridesTheConfigurationsRelease() throws IOException {
        Path p = project("matrix");
        MachineRequest resolved = FACTORY.resolve(request(p, "debian", "trixie", true));
        assertEquals("debian:trixie", resolved.spec().label());
        MachineRequest own = FACTORY.resolve(request(p, "", "", false));
        assertEquals("debian:bookworm", own.spec().label(), "without an override, the configuration's release");
    }
}
