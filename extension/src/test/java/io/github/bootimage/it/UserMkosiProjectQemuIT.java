package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/**
 * A user's own mkosi project whose {@code Format=disk} and {@code mkosi.repart/} make a GPT disk:
 * {@code Boot.AUTO} boots it in qemu, on the kernel and initrd bootimage adds beside the project.
 */
@BootImage(mkosiConfig = "src/test/mkosi/disk", transport = Transport.CONSOLE)
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD) // the CPU-heavy lane (extension/pom.xml)
class UserMkosiProjectQemuIT {

    @Test
    void aDiskProjectBootsInQemuOnItsOwnPartitions(Machine machine) {
        assertEquals(Boot.QEMU, machine.info().boot(), "Format=disk: a virtual machine");
        String virt = machine.exec("systemd-detect-virt").stdout().strip();
        assertTrue(virt.equals("qemu") || virt.equals("kvm"), virt);
        assertEquals("ext4\n", machine.succeed("findmnt", "-n", "-o", "FSTYPE", "/"));
        assertTrue(machine.succeed("ls", "/dev/disk/by-partlabel").contains("bi-data"),
                "the partition the project's mkosi.repart/ adds");
        assertEquals("from the disk project's mkosi.extra\n", machine.succeed("cat", "/etc/bi-disk"));
        String running = machine.succeed("uname", "-r").strip();
        assertTrue(machine.packages().isInstalled("linux-image-" + running), "the kernel bootimage added: " + running);
    }
}
