package io.github.bootimage.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.process.ProcessRunner;

/**
 * An ephemeral ed25519 key pair for one machine, made by the host's {@code ssh-keygen} in a private
 * directory (0700, the private key 0600). The key is written in OpenSSH's own format, so a person can
 * log in with {@code ssh -i <dir>/id_ed25519 -p PORT root@127.0.0.1} while the machine runs. The public
 * key reaches the guest at boot (a systemd credential), never the image cache. {@link #close()} deletes it.
 *
 * @param dir           the private directory holding the pair
 * @param privateKey    the private key file (OpenSSH format, no passphrase)
 * @param authorizedKey the public key as one {@code authorized_keys} line
 */
public record SshKeys(Path dir, Path privateKey, String authorizedKey) implements AutoCloseable {

    /**
     * Generates a fresh pair in {@code dir} (created 0700; must not hold keys already).
     *
     * @throws MachineLaunchException when ssh-keygen is missing or fails
     */
    public static SshKeys generate(Path dir) {
        return generate(dir, "ssh-keygen");
    }

    static final java.time.Duration KEYGEN_TIMEOUT = java.time.Duration.ofSeconds(30);

    static SshKeys generate(Path dir, String keygen) {
        return generate(dir, keygen, KEYGEN_TIMEOUT);
    }

    static SshKeys generate(Path dir, String keygen, java.time.Duration timeout) {
        Path key = dir.resolve("id_ed25519");
        List<String> cmd = List.of(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "bootimage", "-f", key.toString());
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ProcessRunner.Result r;
            try {
                r = ProcessRunner.onHostPath().run(cmd, timeout);
            } catch (IOException e) {
                ImageCache.deleteTree(dir);
                throw new MachineLaunchException("Could not generate an SSH key for the SSH transport: cannot run "
                        + keygen + " (" + e.getMessage() + "). Install the package openssh-client"
                        + " (scripts/setup-host.sh does), or use transport = Transport.CONSOLE.", e);
            }
            if (!r.succeeded()) {
                String how = r.timedOut() ? "hung for " + timeout.toMillis() + " ms and was killed"
                        : "exited with code " + r.exitCode();
                throw new IOException("[" + r.commandLine() + "] " + how + ": " + r.output().strip());
            }
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            String pub = Files.readString(dir.resolve("id_ed25519.pub"), StandardCharsets.US_ASCII).strip();
            return new SshKeys(dir, key, pub);
        } catch (IOException e) {
            ImageCache.deleteTree(dir);
            throw new MachineLaunchException("Could not generate an SSH key in " + dir + ": " + e, e);
        }
    }

    /**
     * The command a person runs to log in while the machine runs: this key, and no host-key check (each
     * machine has fresh host keys on a port other machines used before).
     */
    public String loginCommand(int port) {
        return "ssh -i " + privateKey + " -o IdentitiesOnly=yes -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no"
                + " -o LogLevel=ERROR -p " + port + " root@127.0.0.1";
    }

    /** Deletes the key pair and its directory. */
    @Override
    public void close() {
        ImageCache.deleteTree(dir);
    }
}
