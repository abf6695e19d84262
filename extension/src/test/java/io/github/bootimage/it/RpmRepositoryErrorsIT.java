package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.Boot;
import io.github.bootimage.ImageBuildException;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Distro;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;

/** A package that the local RPM repository does not have: dnf (through mkosi) fails, and bootimage says which and why. */
class RpmRepositoryErrorsIT {
    final BootImageRuntime factory = ImageTier.factory();

    @BeforeAll
    static void repository() throws Exception {
        LocalRpmRepository.ensure(Optional.empty());
    }

    @Test
    void aPackageMissingFromTheRepositoryIsNamedWithTheFix() {
        Path repoFile = Path.of(LocalRpmRepository.REPO_FILE).toAbsolutePath();
        ImageSpec spec = factory.effectiveSpec(ImageSpec.of("fedora", "").withPackages("no-such-package-bootimage")
                .withRepositories(repoFile), Boot.NSPAWN, Transport.CONSOLE);
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> factory.cache().resolve(spec));
        String m = e.getMessage();
        assertTrue(m.startsWith("Package 'no-such-package-bootimage' is not in the repository file " + repoFile + " of fedora:"
                + Distro.of("fedora").defaultRelease() + ": check the name in @BootImage packages (a 'distro:name' entry limits"
                + " one to a distribution), or add a repository that has it (@BootImage repositories,"
                + " bootimage.repositories.fedora).\nmkosi failed to build the image fedora:"), m);
        assertTrue(m.contains("No match for argument: no-such-package-bootimage"), m);
        assertFalse(Files.exists(factory.cache().entryOf(spec)), "nothing half-written is left in the cache");
    }

    @Test
    void anUnsignedRepositoryIsRefusedUnlessExplicitlyAllowed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("unsigned.repo");
        Files.writeString(f, "[local]\nname=local\nbaseurl=file:target/rpm-repo\ngpgcheck=0\n");
        ImageSpec spec = ImageSpec.of("fedora", "").withRepositories(f);
        BootImageRuntime strict = BootImageRuntime.forHost(new Settings(k -> k.equals("bootimage.cache.dir")
                ? Optional.of(dir.resolve("strict").toString()) : Optional.empty()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> strict.effectiveSpec(spec, Boot.NSPAWN, Transport.CONSOLE));
        assertEquals("The repository 'local' in " + f + " is unsigned: its packages are not checked against a key (it needs"
                + " gpgcheck=1 and a gpgkey=). Sign it and name its key (gpgcheck=1, gpgkey=file:///path/to/KEY or an http(s)"
                + " URL), or, to build from it unverified, set bootimage.repositories.unsigned=allow.", e.getMessage());
        BootImageRuntime allowing = BootImageRuntime.forHost(new Settings(k -> switch (k) {
            case "bootimage.cache.dir" -> Optional.of(dir.resolve("allowing").toString());
            case "bootimage.repositories.unsigned" -> Optional.of("allow");
            default -> Optional.empty();
        }));
        assertEquals(f, allowing.effectiveSpec(spec, Boot.NSPAWN, Transport.CONSOLE).repositories());
    }
}
