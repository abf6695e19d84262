package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/** A 100 MB file goes into the guest and back with the same checksum, over SSH and over the console. */
class SshCopyIT {
    private static final int SIZE = 100 * 1024 * 1024;

    @BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN, transport = Transport.SSH)
    static Machine ssh;

    @BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN, transport = Transport.CONSOLE)
    static Machine console;

    @TempDir
    static Path tmp;

    static Path big;
    static String sum;

    private static synchronized void makeBigFile() throws Exception {
        if (big != null) {
            return;
        }
        big = tmp.resolve("big.bin");
        Random r = new Random(42);
        byte[] buf = new byte[1 << 20];
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (OutputStream o = Files.newOutputStream(big)) {
            for (int i = 0; i < SIZE / buf.length; i++) {
                r.nextBytes(buf);
                md.update(buf);
                o.write(buf);
            }
        }
        sum = HexFormat.of().formatHex(md.digest());
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 20];
            int n;
            while ((n = in.read(b)) > 0) {
                md.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private void roundTrip(Machine m, String name) throws Exception {
        makeBigFile();
        long t = System.nanoTime();
        m.copyTo(big, "/var/tmp/big.bin");
        long up = System.nanoTime() - t;
        assertEquals(sum + "  /var/tmp/big.bin\n", m.succeed("sha256sum", "/var/tmp/big.bin"));
        t = System.nanoTime();
        Path back = tmp.resolve(name + "-back.bin");
        m.copyFrom("/var/tmp/big.bin", back);
        long down = System.nanoTime() - t;
        assertEquals(sum, sha256(back));
        System.out.printf("100 MB over %s: copyTo %d ms, copyFrom %d ms%n", name, up / 1_000_000, down / 1_000_000);
        m.succeed("rm", "/var/tmp/big.bin");
        Files.delete(back);
    }

    @Test
    void hundredMegabytesOverSsh() throws Exception {
        roundTrip(ssh, "ssh");
    }

    @Test
    void hundredMegabytesOverTheConsole() throws Exception {
        roundTrip(console, "console");
    }
}
