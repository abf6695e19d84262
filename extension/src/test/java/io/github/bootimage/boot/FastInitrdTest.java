package io.github.bootimage.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The qemu fast profile's initrd, made from a fake disk, a fake mkosi initrd and a fake busybox (host zstd and xz). */
class FastInitrdTest {
    @TempDir
    Path dir;

    private static final String DEP = """
            kernel/drivers/virtio/virtio_ring.ko:
            kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/virtio/virtio_pci_modern_dev.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/block/virtio_blk.ko.xz: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/net/virtio_net.ko: kernel/drivers/virtio/virtio.ko
            """;

    /** A disk with a GPT whose partition {@code label} starts at LBA 34 and holds {@code magic} where ext4's is. */
    private Path disk(String label, int magic) throws IOException {
        byte[] d = new byte[34 * 512 + 4096];
        System.arraycopy("EFI PART".getBytes(StandardCharsets.US_ASCII), 0, d, 512, 8);
        d[512 + 72] = 2;    // partition entries at LBA 2
        d[512 + 80] = 4;    // 4 entries
        d[512 + 84] = (byte) 128; // of 128 bytes
        int e = 1024 + 128; // the second entry
        d[e + 32] = 34;
        byte[] name = label.getBytes(StandardCharsets.UTF_16LE);
        System.arraycopy(name, 0, d, e + 56, name.length);
        d[34 * 512 + 1024 + 56] = (byte) (magic & 0xff);
        d[34 * 512 + 1024 + 57] = (byte) (magic >> 8);
        Path p = dir.resolve("image.raw");
        Files.write(p, d);
        return p;
    }

    private static byte[] run(byte[] in, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).start();
        try (var o = p.getOutputStream()) {
            o.write(in);
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), String.join(" ", cmd));
        return out;
    }

    private static byte[] archive(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        FastInitrd.Cpio c = new FastInitrd.Cpio(b);
        for (var f : files.entrySet()) {
            c.file(f.getKey(), 0644, f.getValue());
        }
        c.end();
        return b.toByteArray();
    }

    /**
     * mkosi's initrd: two zstd-compressed archives one after the other, the modules in the second, each
     * padded with zeros to 4 bytes (and the first here always padded, as mkosi's is whenever its length is
     * not a multiple of 4).
     */
    private Path mkosiInitrd(String dep) throws Exception {
        String m = "usr/lib/modules/6.1.0-test/";
        byte[] first = archive(Map.of("init", "#!/usr/lib/systemd/systemd\n".getBytes(StandardCharsets.UTF_8)));
        byte[] second = archive(new java.util.LinkedHashMap<>(Map.of(
                m + "modules.dep", dep.getBytes(StandardCharsets.UTF_8),
                m + "modules.builtin", "kernel/fs/ext4/ext4.ko\n".getBytes(StandardCharsets.UTF_8),
                m + "kernel/drivers/virtio/virtio_ring.ko", bytes("MOD virtio_ring"),
                m + "kernel/drivers/virtio/virtio.ko", bytes("MOD virtio"),
                m + "kernel/drivers/virtio/virtio_pci_modern_dev.ko", bytes("MOD virtio_pci_modern_dev"),
                m + "kernel/drivers/virtio/virtio_pci.ko", bytes("MOD virtio_pci"),
                m + "kernel/drivers/block/virtio_blk.ko.xz", run(bytes("MOD virtio_blk"), "xz", "-c"))));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] one = run(first, "zstd", "-qc");
        all.writeBytes(one);
        all.writeBytes(new byte[one.length % 4 == 0 ? 4 : 4 - one.length % 4]);
        all.writeBytes(run(second, "zstd", "-qc"));
        Path p = dir.resolve("image.initrd");
        Files.write(p, all.toByteArray());
        return p;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** An ELF header with no program headers (static), or with one PT_INTERP (dynamic). */
    private Path busybox(boolean dynamic) throws IOException {
        byte[] elf = new byte[64 + 56];
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        elf[4] = 2;
        elf[0x20] = 64;   // program headers right after the ELF header
        elf[0x36] = 56;
        elf[0x38] = (byte) (dynamic ? 1 : 0);
        elf[64] = 3;      // PT_INTERP
        Path p = dir.resolve(dynamic ? "busybox-dynamic" : "busybox");
        Files.write(p, elf);
        return p;
    }

    private static Map<String, byte[]> unpack(Path initrd) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(initrd))) {
            return FastInitrd.list(in);
        }
    }

    @Test
    void holdsBusyboxAndTheRootDisksModulesInDependencyOrder() throws Exception {
        Path out = dir.resolve(FastInitrd.FILE);
        assertNull(FastInitrd.make(disk("root-x86-64", 0xEF53), mkosiInitrd(DEP), busybox(false), out));
        Map<String, byte[]> files = unpack(out);
        assertEquals(List.of("bin/busybox", "m/virtio_ring.ko", "m/virtio.ko", "m/virtio_pci_modern_dev.ko", "m/virtio_pci.ko",
                "m/virtio_blk.ko", "init"), List.copyOf(files.keySet()), "no other module (virtio_net) and nothing of mkosi's");
        assertArrayEquals(Files.readAllBytes(busybox(false)), files.get("bin/busybox"));
        assertArrayEquals(bytes("MOD virtio_blk"), files.get("m/virtio_blk.ko"), "a compressed module goes in decompressed");
        String init = new String(files.get("init"), StandardCharsets.UTF_8);
        assertTrue(init.contains("for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci virtio_blk; do insmod /m/$m.ko"), init);
        assertTrue(init.contains("grep -qx 'PARTNAME=root-x86-64'") && init.contains("exec switch_root /newroot /sbin/init"), init);
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        try (var left = Files.list(dir)) {
            assertFalse(left.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void saysWhyWhenItCannotBeMade() throws Exception {
        Path out = dir.resolve(FastInitrd.FILE);
        Path initrd = mkosiInitrd(DEP);
        Path ext4 = disk("root-x86-64", 0xEF53);
        assertEquals("no statically linked busybox at " + busybox(true) + " (install Debian's busybox-static, or run"
                + " scripts/setup-host.sh)", FastInitrd.make(ext4, initrd, busybox(true), out));
        assertEquals("the image has no initrd to take the kernel modules from", FastInitrd.make(ext4, null, busybox(false), out));
        assertEquals("the kernel 6.1.0-test has no module virtio_blk in mkosi's initrd",
                FastInitrd.make(ext4, mkosiInitrd(DEP.replace("virtio_blk.ko.xz", "other.ko.xz")), busybox(false), out));
        Path other = disk("root-x86-64", 0x1234);
        assertEquals("the root partition of " + other + " does not hold ext4 (the fast initrd mounts ext4 only)",
                FastInitrd.make(other, initrd, busybox(false), out));
        Path noRoot = disk("esp", 0xEF53);
        assertEquals("the disk " + noRoot + " has no partition named root-x86-64", FastInitrd.make(noRoot, initrd, busybox(false), out));
        Files.write(noRoot, new byte[4096]);
        assertEquals("the disk " + noRoot + " has no GPT", FastInitrd.make(noRoot, initrd, busybox(false), out));
        assertFalse(Files.exists(out));
    }

    @Test
    void findsEveryZstdFrameAcrossThePaddingAndSkippableFramesBetweenThem() throws Exception {
        byte[] small = run(bytes("first"), "zstd", "-qc");
        byte[] noise = new byte[300_000];
        new java.util.Random(7).nextBytes(noise);
        byte[] raw = run(noise, "zstd", "-qc", "--no-check");         // incompressible: raw blocks, several of them
        byte[] rle = run(new byte[200_000], "zstd", "-qc", "--check"); // one byte repeated: RLE blocks, a checksum
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(small);
        all.writeBytes(new byte[3]);
        int second = all.size();
        all.writeBytes(raw);
        all.writeBytes(new byte[] {0x50, 0x2A, 0x4D, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5}); // a skippable frame of 5 bytes
        int third = all.size();
        all.writeBytes(rle);
        all.writeBytes(new byte[8]);
        List<int[]> frames = FastInitrd.zstdFrames(all.toByteArray());
        assertEquals(List.of(List.of(0, small.length), List.of(second, second + raw.length), List.of(third, third + rle.length)),
                frames.stream().map(f -> List.of(f[0], f[1])).toList());
    }

    @Test
    void saysWhatItFoundWhereAZstdFrameShouldBe() throws Exception {
        byte[] frame = run(bytes("first"), "zstd", "-qc");
        byte[] cpio = new byte[frame.length + 1 + 110];
        System.arraycopy(frame, 0, cpio, 0, frame.length);
        System.arraycopy(bytes("070701"), 0, cpio, frame.length + 1, 6);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> FastInitrd.zstdFrames(cpio));
        assertEquals("the initrd holds something other than zstd frames at byte " + (frame.length + 1) + " (30 37 30 37)", e.getMessage());
        byte[] cut = java.util.Arrays.copyOf(frame, frame.length - 2);
        e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> FastInitrd.zstdFrames(cut));
        assertEquals("the initrd ends inside the zstd frame that starts at byte 0", e.getMessage());
        byte[] stray = java.util.Arrays.copyOf(frame, frame.length + 3);
        stray[frame.length + 2] = 9;
        e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> FastInitrd.zstdFrames(stray));
        assertEquals("the initrd ends in 1 bytes that are no zstd frame, at byte " + (frame.length + 2), e.getMessage());
        byte[] skip = {0x5F, 0x2A, 0x4D, 0x18, 9, 0, 0, (byte) 0x80, 1, 2};
        e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> FastInitrd.zstdFrames(skip));
        assertEquals("the initrd ends inside the skippable frame that starts at byte 0", e.getMessage());
    }

    @Test
    void aFrameZstdCannotDecompressIsAnErrorThatSaysSo() throws Exception {
        Path initrd = mkosiInitrd(DEP);
        byte[] b = Files.readAllBytes(initrd);
        b[b.length - 1] ^= 0x5A; // the last frame's checksum: the framing holds, the content does not
        Files.write(initrd, b);
        Path out = dir.resolve(FastInitrd.FILE);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> FastInitrd.make(disk("root-x86-64", 0xEF53), initrd, busybox(false), out));
        assertEquals("zstd could not decompress " + initrd + " (exit code 1)", e.getMessage());
        assertFalse(Files.exists(out));
    }
}
