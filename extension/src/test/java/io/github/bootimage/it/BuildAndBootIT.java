package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.ImageBuildException;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageBuilder;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;

/** Real mkosi builds and nspawn boots through the factory: cache hits, failures, timeouts, clean stops. */
@org.junit.jupiter.api.parallel.Isolated("counts every systemd-nspawn process on the host")
class BuildAndBootIT {
    final BootImageRuntime factory = ImageTier.factory();

    @Test
    void aSecondResolutionHitsTheCacheAndDoesNotRunMkosi() {
        ImageSpec spec = factory.effectiveSpec(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE);
        Image first = factory.cache().resolve(spec);
        ImageBuilder mustNotRun = (s, config, out, log) -> {
            throw new AssertionError("mkosi ran for a cached image");
        };
        ImageCache sameDirNoMkosi = new ImageCache(factory.cache().root(),
                MkosiVersion.detect(factory.runner()), mustNotRun, MirrorCheck.none());
        long start = System.nanoTime();
        Image second = sameDirNoMkosi.resolve(spec);
        assertEquals(first.entry(), second.entry());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000);
        assertTrue(Files.isDirectory(second.directory().resolve("usr/lib/systemd")));
    }

    @Test
    void aPackageThatDoesNotExistFailsWithAptsExplanation() {
        ImageSpec spec = ImageSpec.of("debian", "bookworm").withPackages("no-such-package-bootimage");
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> factory.cache().resolve(spec));
        String m = e.getMessage();
        assertTrue(m.startsWith("Package 'no-such-package-bootimage' is not in the default repositories of debian:bookworm:"
                + " check the name in @BootImage packages (a 'distro:name' entry limits one to a distribution), or add a"
                + " repository that has it (@BootImage repositories, bootimage.repositories.debian).\n"
                + "mkosi failed to build the image debian:bookworm (exit code"), m);
        assertTrue(m.contains("\ncommand: mkosi --directory "), m);
        assertTrue(m.contains("Unable to locate package no-such-package-bootimage"), m);
        assertFalse(Files.exists(factory.cache().entryOf(spec)), "nothing half-written is left in the cache");
    }

    @Test
    void bootTimeoutStopsTheMachineAndShowsTheConsoleTail() {
        MachineRequest r = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE,
                Duration.ofMillis(150), "BuildAndBootIT");
        factory.image(r);
        long before = nspawnCount();
        MachineLaunchException e = assertThrows(MachineLaunchException.class, () -> factory.boot(r));
        assertTrue(e.getMessage().contains("did not boot within 0 s") || e.getMessage().contains("did not boot within"), e.getMessage());
        assertTrue(e.getMessage().contains("Console tail:"), e.getMessage());
        assertEquals(before, nspawnCount(), "the machine that failed to boot was stopped");
    }

    @Test
    void closeLeavesNoProcessOfTheGuest() {
        MachineRequest r = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE, null, "BuildAndBootIT");
        DefaultMachine m = factory.boot(r);
        List<Long> pids = m.guest().processes();
        assertTrue(pids.size() >= 3, "script, nspawn and the guest's init at least: " + pids);
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "bootimage-0", m.name());
        m.succeed("systemctl", "is-system-running", "--wait");
        m.close();
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " is left");
        }
        assertEquals(0, ImageTier.processesMentioning(m.name()), "no process names the machine");
        assertFalse(Files.exists(work), "the machine's work directory is removed");
        m.close();
    }

    @Test
    void aGuestThatPowersItselfOffGivesAClearErrorOnTheNextCommand() {
        MachineRequest r = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE, null, "BuildAndBootIT");
        try (DefaultMachine m = factory.boot(r)) {
            long start = System.nanoTime();
            io.github.bootimage.CommandFailedException e = null;
            try {
                m.exec("systemctl", "--no-block", "poweroff");
            } catch (io.github.bootimage.CommandFailedException ex) {
                e = ex;
            }
            for (int i = 0; i < 100 && e == null; i++) {
                try {
                    m.exec("sleep", "0.1");
                } catch (io.github.bootimage.CommandFailedException ex) {
                    e = ex;
                }
            }
            assertTrue(e != null, "commands kept working after poweroff");
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 30);
            assertTrue(e.getMessage().contains("The guest may have powered itself off"), e.getMessage());
        }
    }

    private static long nspawnCount() {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("systemd-nspawn")).orElse(false)).count();
    }
}
