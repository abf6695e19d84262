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
}
