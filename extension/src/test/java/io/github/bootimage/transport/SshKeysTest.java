package io.github.bootimage.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.MachineLaunchException;

class SshKeysTest {
    @TempDir
    Path tmp;

    @Test
    void freshEd25519PairInAPrivateDirectoryDeletedOnClose() throws Exception {
        SshKeys a = SshKeys.generate(tmp.resolve("a"));
        SshKeys b = SshKeys.generate(tmp.resolve("b"));
        assertTrue(a.authorizedKey().startsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"), a.authorizedKey());
        assertFalse(a.authorizedKey().equals(b.authorizedKey()), "every machine gets its own key");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.dir())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.privateKey())));
        a.close();
        assertFalse(Files.exists(a.dir()));
        b.close();
    }

    @Test
    void missingKeygenNamesThePackage() {
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> SshKeys.generate(tmp.resolve("k"), "/nonexistent/ssh-keygen"));
        assertTrue(e.getMessage().startsWith("Could not generate an SSH key for the SSH transport: cannot run"
                + " /nonexistent/ssh-keygen"), e.getMessage());
        assertTrue(e.getMessage().contains("Install the package openssh-client"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("k")));
    }

    @Test
    void aKeygenThatHangsIsKilledAndNamed() throws Exception {
        Path keygen = tmp.resolve("hanging-keygen");
        Files.writeString(keygen, "#!/bin/sh\necho 'waiting for entropy' >&2\nexec sleep 60\n");
        keygen.toFile().setExecutable(true);
        long start = System.nanoTime();
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> SshKeys.generate(tmp.resolve("h"), keygen.toString(), java.time.Duration.ofMillis(500)));
        assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(20), "the timeout ended it");
        assertTrue(e.getMessage().startsWith("Could not generate an SSH key in " + tmp.resolve("h") + ": java.io.IOException: ["
                + keygen + " -q -t ed25519"), e.getMessage());
        assertTrue(e.getMessage().endsWith("hung for 500 ms and was killed: waiting for entropy"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("h")));
    }

    @Test
    void aFailingKeygenGivesItsExitCodeAndOutput() throws Exception {
        Path keygen = tmp.resolve("failing-keygen");
        Files.writeString(keygen, "#!/bin/sh\necho 'no such key type' >&2\nexit 3\n");
        keygen.toFile().setExecutable(true);
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> SshKeys.generate(tmp.resolve("f"), keygen.toString()));
        assertTrue(e.getMessage().endsWith("exited with code 3: no such key type"), e.getMessage());
    }
}
