package io.github.bootimage.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.ImageFormat;
import io.github.bootimage.Machine;

/**
 * Walk-through step 2: <b>a disk image</b>, booted in a virtual machine.
 *
 * <p>With {@code format = ImageFormat.DISK} mkosi writes {@code image.raw}: a GPT disk whose root
 * partition carries the type UUID the Discoverable Partitions Specification gives the root file
 * system of the architecture (x86-64: {@value #ROOT_X86_64}), so tools such as
 * {@code systemd-dissect} and {@code systemd-gpt-auto-generator} find it without an fstab. Booting
 * with qemu ({@code boot = Boot.QEMU}) makes bootimage add a kernel and an initrd to the image; under
 * qemu the guest runs with KVM where it works, else with TCG (slower: allow a few minutes).
 *
 * <p>The first test reads the partition table on the host from the cached image
 * ({@code machine.info().image()} is the cache entry; the disk is {@code image.raw} in it), with
 * {@code systemd-dissect} where it is installed and {@code sfdisk} otherwise. The others look at the
 * same disk from inside the booted virtual machine.
 */
@BootImage(distro = "debian", release = "bookworm", format = ImageFormat.DISK, boot = Boot.QEMU,
        bootTimeout = "5m")
class DiskImageTest {

    /** The Discoverable Partitions Specification's type of an x86-64 root partition. */
    static final String ROOT_X86_64 = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709";

    @Test
    void theDiskIsGptWithARootPartitionTypedForTheArchitecture(Machine machine) throws Exception {
        Path disk = machine.info().image().resolve("image.raw");
        assertTrue(Files.isRegularFile(disk), () -> "no disk image at " + disk);
        String table = PartitionTable.describe(disk);
        assertTrue(PartitionTable.hasRootPartition(table), () -> "no root-x86-64 partition in:\n" + table);
    }

    @Test
    void itBootedInAVirtualMachine(Machine machine) {
        assertEquals(Boot.QEMU, machine.info().boot());
        String virt = machine.succeed("systemd-detect-virt", "--vm").strip();
        assertTrue(virt.equals("qemu") || virt.equals("kvm"), virt);
    }

    @Test
    void theRootFileSystemIsThatPartition(Machine machine) {
        String source = machine.succeed("findmnt", "-n", "-o", "SOURCE", "/").strip();
        String type = machine.succeed("lsblk", "-n", "-o", "PARTTYPE", source).strip();
        assertEquals(ROOT_X86_64.toLowerCase(Locale.ROOT), type, () -> "root is " + source);
    }

    /** Reads a disk image's partition table on the host. */
    static final class PartitionTable {
        private static final Pattern SFDISK_ROOT = Pattern.compile(
                "\"type\"\\s*:\\s*\"" + ROOT_X86_64 + "\"", Pattern.CASE_INSENSITIVE);
        private static final Pattern DISSECT_ROOT = Pattern.compile(
                "\"designator\"\\s*:\\s*\"root\"[^}]*\"architecture\"\\s*:\\s*\"x86-64\"");

        private PartitionTable() {
        }

        /** {@code systemd-dissect --json=short} where that works, else {@code sfdisk --json}. */
        static String describe(Path disk) throws IOException, InterruptedException {
            String dissect = run(List.of("systemd-dissect", "--json=short", disk.toString()));
            return dissect != null ? dissect : run(List.of("sfdisk", "--json", disk.toString()));
        }

        static boolean hasRootPartition(String json) {
            if (json.contains("\"partitiontable\"")) {
                return json.matches("(?s).*\"label\"\\s*:\\s*\"gpt\".*") && SFDISK_ROOT.matcher(json).find();
            }
            return DISSECT_ROOT.matcher(json).find();
        }

        /** The command's stdout, or null when the tool is missing or fails. */
        private static String run(List<String> cmd) throws IOException, InterruptedException {
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException missing) {
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        }
    }
}
