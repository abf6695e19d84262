package io.github.bootimage.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import io.github.bootimage.image.Image;

/**
 * The qemu {@code fast} profile's initrd: busybox and the handful of kernel modules the root disk needs,
 * instead of mkosi's initrd with every module and a systemd of its own. Under TCG most of a boot went
 * there: the kernel unpacking mkosi's 54 MB initrd (about 5 s), then the initrd's systemd and udev
 * loading modules until the root partition appeared (11-30 s), before the system's own systemd started
 * the same way again. This one loads the modules (virtio_blk, virtio_pci and what they depend on, in
 * dependency order from the kernel's {@code modules.dep}), mounts the partition named
 * {@value #ROOT_LABEL} read-write and switches to the system's {@code /sbin/init}; a raw boot to the
 * autologin prompt took 13.2-13.7 s with it against 22.7-24.0 s with mkosi's, alternating.
 *
 * <p>It is made once per image from the image's own kernel modules (taken from mkosi's initrd, which
 * holds them all; compressed ones are decompressed with the host's xz or zstd) and the host's static
 * busybox (Debian's {@code busybox-static}, which scripts/setup-host.sh installs), and kept beside the
 * image as {@value #FILE}, written atomically. It is made only for a disk whose root partition holds
 * ext4 (built into the kernels that lack it would need more modules) and a kernel whose modules it
 * finds; otherwise, or without a static busybox, the VM boots with mkosi's initrd and the reason is logged.
 */
public final class FastInitrd {
    private static final System.Logger LOG = System.getLogger(FastInitrd.class.getName());
    /** The file beside the image. */
    public static final String FILE = Image.FAST_INITRD;
    /** The partition label mkosi gives the root partition of an x86-64 disk. */
    static final String ROOT_LABEL = "root-x86-64";
    /** The modules the root disk needs, besides what they depend on. */
    static final List<String> WANTED = List.of("virtio_pci", "virtio_blk");
    /** Where Debian's busybox-static puts its binary. */
    public static final Path BUSYBOX = Path.of("/bin/busybox");

    private FastInitrd() {
    }

    /** The fast initrd of an image (made on first use), or empty with the reason logged. */
    public static Optional<Path> forImage(Image image, Path busybox) {
        Path out = image.entry().resolve(FILE);
        if (Files.isRegularFile(out)) {
            return Optional.of(out);
        }
        if (CANNOT.containsKey(out)) {
            return Optional.empty();
        }
        String why;
        try {
            why = make(image.disk(), image.initrd().orElse(null), busybox, out);
        } catch (IOException | RuntimeException e) {
            why = "making the fast one failed: " + e;
        }
        if (why == null) {
            return Optional.of(out);
        }
        // Said and tried once per image in this JVM: reading mkosi's initrd again would cost every boot seconds.
        CANNOT.put(out, why);
        LOG.log(System.Logger.Level.INFO, "VMs of {0} boot with mkosi''s initrd: {1}", image.spec().label(), why);
        return Optional.empty();
    }

    /** The images whose fast initrd could not be made in this JVM, and why. */
    private static final Map<Path, String> CANNOT = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Makes the initrd at {@code out} (atomically) and returns null, or returns why it cannot be made.
     *
     * @param disk    the image's raw disk
     * @param initrd  mkosi's initrd (zstd-compressed cpio archives), or null
     * @param busybox a statically linked busybox
     */
    static String make(Path disk, Path initrd, Path busybox, Path out) throws IOException {
        if (initrd == null) {
            return "the image has no initrd to take the kernel modules from";
        }
        if (!Files.isRegularFile(busybox) || !isStatic(Files.readAllBytes(busybox))) {
            return "no statically linked busybox at " + busybox + " (install Debian's busybox-static, or run scripts/setup-host.sh)";
        }
        String root = rootFileSystem(disk);
        if (root != null) {
            return root;
        }
        Modules mods = modules(initrd);
        if (mods.version == null) {
            return "mkosi's initrd holds no kernel modules (no usr/lib/modules/*/modules.dep)";
        }
        List<String> order = new ArrayList<>();
        for (String w : WANTED) {
            String why = resolve(w, mods, order, new LinkedHashSet<>());
            if (why != null) {
                return why;
            }
        }
        Path tmp = Files.createTempFile(out.getParent(), FILE, ".tmp");
        try {
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(tmp))) {
                Cpio c = new Cpio(o);
                for (String d : List.of("bin", "m", "proc", "sys", "dev", "newroot")) {
                    c.dir(d);
                }
                c.file("bin/busybox", 0755, Files.readAllBytes(busybox));
                List<String> names = new ArrayList<>();
                for (String path : order) {
                    String name = moduleName(path);
                    names.add(name);
                    c.file("m/" + name + ".ko", 0644, decompressed(path, mods.files.get(path)));
                }
                c.file("init", 0755, init(names).getBytes(StandardCharsets.UTF_8));
                c.end();
            }
            // Readable like the rest of the entry: an unprivileged qemu may boot a cache root built.
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return null;
    }

    /** The initrd's /init: busybox, the modules in order, the root partition by its label, switch_root. */
    static String init(List<String> modules) {
        return "#!/bin/busybox sh\n"
                + "# bootimage's fast initrd (see FastInitrd): load the root disk's modules, mount it, start its init.\n"
                + "/bin/busybox --install -s /bin\n"
                + "export PATH=/bin\n"
                + "mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev\n"
                + "for m in " + String.join(" ", modules) + "; do insmod /m/$m.ko || echo \"bootimage initrd: could not load $m\"; done\n"
                + "dev=; i=0\n"
                + "while [ -z \"$dev\" ] && [ $i -lt 600 ]; do\n"
                + "  for u in /sys/class/block/*/uevent; do\n"
                + "    [ -e \"$u\" ] && grep -qx 'PARTNAME=" + ROOT_LABEL + "' \"$u\" && { dev=$(sed -n 's/^DEVNAME=//p' \"$u\"); break; }\n"
                + "  done\n"
                + "  [ -n \"$dev\" ] || { sleep 0.05; i=$((i + 1)); }\n"
                + "done\n"
                + "if [ -z \"$dev\" ] || ! mount -o rw \"/dev/$dev\" /newroot; then\n"
                + "  echo \"bootimage initrd: no partition named " + ROOT_LABEL + " could be mounted within 30 s\"; exec sh\n"
                + "fi\n"
                + "umount /proc /sys; mount --move /dev /newroot/dev\n"
                + "exec switch_root /newroot /sbin/init\n";
    }

    /** Adds a module's dependencies, then the module; null, or why it cannot be had. */
    private static String resolve(String name, Modules mods, List<String> order, Set<String> visiting) {
        if (mods.builtin.contains(name)) {
            return null;
        }
        String path = mods.byName.get(name);
        if (path == null) {
            return "the kernel " + mods.version + " has no module " + name + " in mkosi's initrd";
        }
        if (order.contains(path) || !visiting.add(path)) {
            return null;
        }
        for (String dep : mods.deps.getOrDefault(path, List.of())) {
            String why = resolve(moduleName(dep), mods, order, visiting);
            if (why != null) {
                return why;
            }
        }
        if (!mods.files.containsKey(path)) {
            return "mkosi's initrd lists " + path + " but does not hold it";
        }
        order.add(path);
        return null;
    }

    static String moduleName(String path) {
        String f = path.substring(path.lastIndexOf('/') + 1);
        return f.replaceFirst("\\.ko(\\.xz|\\.zst|\\.gz)?$", "").replace('-', '_');
    }

    private static byte[] decompressed(String path, byte[] data) throws IOException {
        String tool = path.endsWith(".xz") ? "xz" : path.endsWith(".zst") ? "zstd" : path.endsWith(".gz") ? "gzip" : null;
        if (tool == null) {
            return data;
        }
        return through(List.of(tool, "-dcq"), o -> o.write(data), InputStream::readAllBytes, tool + " -dc failed on " + path);
    }

    interface Feed {
        void to(OutputStream o) throws IOException;
    }

    interface Read<T> {
        T from(InputStream in) throws IOException;
    }

    /**
     * Runs a host tool with {@code feed} writing its stdin (from a thread of its own) while {@code read} takes
     * its stdout; the tool is stopped if reading fails, and an exit code other than 0 is an error that says
     * {@code failure}.
     */
    static <T> T through(List<String> cmd, Feed feed, Read<T> read, String failure) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Thread feeder = new Thread(() -> {
            try (OutputStream o = p.getOutputStream()) {
                feed.to(o);
            } catch (IOException e) {
                // the tool stopped reading: its exit code says why
            }
        }, "fast-initrd-feed");
        feeder.setDaemon(true);
        feeder.start();
        T result;
        try (InputStream in = p.getInputStream()) {
            result = read.from(in);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        try {
            if (p.waitFor() != 0) {
                throw new IOException(failure + " (exit code " + p.exitValue() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        return result;
    }

    /** The kernel modules of mkosi's initrd: modules.dep, modules.builtin, and the block and virtio drivers' files. */
    static final class Modules {
        String version;
        final Map<String, List<String>> deps = new HashMap<>();
        final Map<String, String> byName = new HashMap<>();
        final Set<String> builtin = new java.util.HashSet<>();
        final Map<String, byte[]> files = new HashMap<>();
    }

    private static Modules modules(Path initrd) throws IOException {
        byte[] all = Files.readAllBytes(initrd);
        List<int[]> frames = zstdFrames(all);
        Modules m = new Modules();
        Map<String, byte[]> meta = new HashMap<>();
        // zstd gets the frames without the padding between them.
        through(List.of("zstd", "-dcq"), o -> {
            for (int[] f : frames) {
                o.write(all, f[0], f[1] - f[0]);
            }
        }, in -> {
            Cpio.read(in, name -> {
                int i = name.indexOf("lib/modules/");
                if (i < 0) {
                    return false;
                }
                String rest = name.substring(i + "lib/modules/".length());
                int slash = rest.indexOf('/');
                if (slash < 0) {
                    return false;
                }
                String rel = rest.substring(slash + 1);
                if (rel.equals("modules.dep") || rel.equals("modules.builtin")) {
                    m.version = rest.substring(0, slash);
                    return true;
                }
                return rel.startsWith("kernel/drivers/virtio/") || rel.startsWith("kernel/drivers/block/virtio");
            }, (name, data) -> {
                String rel = name.substring(name.indexOf("lib/modules/") + "lib/modules/".length());
                rel = rel.substring(rel.indexOf('/') + 1);
                if (rel.equals("modules.dep") || rel.equals("modules.builtin")) {
                    meta.put(rel, data);
                } else {
                    m.files.put(rel, data);
                }
            });
            return null;
        }, "zstd could not decompress " + initrd);
        if (meta.containsKey("modules.dep")) {
            for (String line : new String(meta.get("modules.dep"), StandardCharsets.UTF_8).split("\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String path = line.substring(0, colon).strip();
                String rest = line.substring(colon + 1).strip();
                m.deps.put(path, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
                m.byName.put(moduleName(path), path);
            }
        } else {
            m.version = null;
        }
        if (meta.containsKey("modules.builtin")) {
            for (String line : new String(meta.get("modules.builtin"), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    m.builtin.add(moduleName(line.strip()));
                }
            }
        }
        return m;
    }

    /**
     * Where each zstd frame of an initrd starts and ends ({@code [start, end)}). mkosi joins its archives
     * (the base initrd, then the kernel modules) each padded with zeros to 4 bytes; the kernel skips zeros
     * between archives, the zstd tool stops at them ("unsupported format"), and so lost every archive after
     * the first whenever the first frame's length was not a multiple of 4. Skippable frames are left out.
     *
     * @throws IOException when something other than zeros, a zstd frame or a skippable frame follows a frame
     */
    static List<int[]> zstdFrames(byte[] d) throws IOException {
        List<int[]> frames = new ArrayList<>();
        int pos = 0;
        while (true) {
            while (pos < d.length && d[pos] == 0) {
                pos++;
            }
            if (pos >= d.length) {
                return frames;
            }
            if (pos + 8 > d.length) {
                throw new IOException("the initrd ends in " + (d.length - pos) + " bytes that are no zstd frame, at byte " + pos);
            }
            long magic = le(d, pos, 4);
            if ((magic & 0xFFFFFFF0L) == 0x184D2A50L) {
                long size = le(d, pos + 4, 4);
                if (size > d.length - pos - 8L) {
                    throw new IOException("the initrd ends inside the skippable frame that starts at byte " + pos);
                }
                pos += 8 + (int) size;
                continue;
            }
            if (magic != 0xFD2FB528L) {
                throw new IOException(String.format("the initrd holds something other than zstd frames at byte %d (%02x %02x %02x %02x)",
                        pos, d[pos], d[pos + 1], d[pos + 2], d[pos + 3]));
            }
            int start = pos;
            int fhd = d[pos + 4] & 0xFF;
            boolean single = (fhd & 0x20) != 0;
            int fcs = switch (fhd >> 6) {
                case 0 -> single ? 1 : 0;
                case 1 -> 2;
                case 2 -> 4;
                default -> 8;
            };
            int did = new int[] {0, 1, 2, 4}[fhd & 3];
            pos += 4 + 1 + (single ? 0 : 1) + did + fcs;
            boolean last = false;
            while (!last) {
                if (pos + 3 > d.length) {
                    throw new IOException("the initrd ends inside the zstd frame that starts at byte " + start);
                }
                int h = (int) le(d, pos, 3);
                last = (h & 1) != 0;
                int type = (h >> 1) & 3;
                if (type == 3) {
                    throw new IOException("the zstd frame at byte " + start + " has a block of the reserved type at byte " + pos);
                }
                pos += 3 + (type == 1 ? 1 : h >>> 3);
            }
            pos += (fhd & 0x04) != 0 ? 4 : 0;
            if (pos > d.length) {
                throw new IOException("the initrd ends inside the zstd frame that starts at byte " + start);
            }
            frames.add(new int[] {start, pos});
        }
    }

    /**
     * Null when the disk's GPT has a partition named {@value #ROOT_LABEL} that holds ext4, else why not.
     * Debian's and Ubuntu's kernels have ext4 built in, so mounting it needs no module.
     */
    static String rootFileSystem(Path disk) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            byte[] h = new byte[92];
            f.seek(512);
            f.readFully(h);
            if (!new String(h, 0, 8, StandardCharsets.US_ASCII).equals("EFI PART")) {
                return "the disk " + disk + " has no GPT";
            }
            long entries = le(h, 72, 8);
            long count = le(h, 80, 4);
            long size = le(h, 84, 4);
            byte[] e = new byte[(int) size];
            for (long n = 0; n < Math.min(count, 256); n++) {
                f.seek(entries * 512 + n * size);
                f.readFully(e);
                String name = new String(e, 56, 72, StandardCharsets.UTF_16LE).replace("\0", "");
                if (name.equals(ROOT_LABEL)) {
                    long first = le(e, 32, 8);
                    byte[] magic = new byte[2];
                    f.seek(first * 512 + 1024 + 56);
                    f.readFully(magic);
                    return le(magic, 0, 2) == 0xEF53 ? null
                            : "the root partition of " + disk + " does not hold ext4 (the fast initrd mounts ext4 only)";
                }
            }
            return "the disk " + disk + " has no partition named " + ROOT_LABEL;
        }
    }

    private static long le(byte[] b, int off, int len) {
        long v = 0;
        for (int i = len - 1; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    /** Whether an ELF executable has no program interpreter (statically linked). */
    static boolean isStatic(byte[] elf) {
        if (elf.length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2) {
            return false;
        }
        long phoff = le(elf, 0x20, 8);
        int phentsize = (int) le(elf, 0x36, 2);
        int phnum = (int) le(elf, 0x38, 2);
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * phentsize;
            if (at + 4 > elf.length) {
                return false;
            }
            if (le(elf, (int) at, 4) == 3) {
                return false;
            }
        }
        return true;
    }

    /** The "newc" cpio format the kernel unpacks. */
    static final class Cpio {
        private final OutputStream out;
        private int ino = 1;

        Cpio(OutputStream out) {
            this.out = out;
        }

        void dir(String name) throws IOException {
            entry(name, 0040755, new byte[0]);
        }

        void file(String name, int mode, byte[] data) throws IOException {
            entry(name, 0100000 | mode, data);
        }

        void end() throws IOException {
            entry("TRAILER!!!", 0, new byte[0]);
        }

        private void entry(String name, int mode, byte[] data) throws IOException {
            byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
            String header = String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                    name.equals("TRAILER!!!") ? 0 : ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, n.length, 0);
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            out.write(n);
            pad(110 + n.length);
            out.write(data);
            pad(data.length);
        }

        private void pad(long written) throws IOException {
            out.write(new byte[(int) ((4 - written % 4) % 4)]);
        }

        interface Take {
            void take(String name, byte[] data);
        }

        /** Reads concatenated newc archives, keeping the data of the files {@code want} names. */
        static void read(InputStream in, java.util.function.Predicate<String> want, Take take) throws IOException {
            java.io.BufferedInputStream s = new java.io.BufferedInputStream(in, 1 << 16);
            byte[] h = new byte[110];
            while (true) {
                // Archives follow one another, padded with zeros between them.
                int first;
                do {
                    first = s.read();
                } while (first == 0);
                if (first < 0) {
                    return;
                }
                h[0] = (byte) first;
                if (s.readNBytes(h, 1, 109) != 109) {
                    return;
                }
                String magic = new String(h, 0, 6, StandardCharsets.US_ASCII);
                if (!magic.equals("070701") && !magic.equals("070702")) {
                    throw new IOException("not a newc cpio archive (" + magic + ")");
                }
                int mode = Integer.parseUnsignedInt(new String(h, 14, 8, StandardCharsets.US_ASCII), 16);
                long size = Long.parseUnsignedLong(new String(h, 54, 8, StandardCharsets.US_ASCII), 16);
                int nameSize = Integer.parseUnsignedInt(new String(h, 94, 8, StandardCharsets.US_ASCII), 16);
                byte[] n = s.readNBytes(nameSize);
                s.skipNBytes((4 - (110 + nameSize) % 4) % 4);
                String name = new String(n, 0, Math.max(0, nameSize - 1), StandardCharsets.UTF_8);
                boolean keep = (mode & 0170000) == 0100000 && want.test(name);
                if (keep) {
                    take.take(name, s.readNBytes((int) size));
                } else {
                    s.skipNBytes(size);
                }
                s.skipNBytes((4 - size % 4) % 4);
            }
        }
    }

    /** For tests: the file names and contents of a newc archive. */
    static Map<String, byte[]> list(InputStream in) throws IOException {
        Map<String, byte[]> all = new java.util.LinkedHashMap<>();
        Cpio.read(in, n -> true, all::put);
        return all;
    }
}
