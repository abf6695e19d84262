package io.github.bootimage.it;

import java.util.ArrayList;
import java.util.List;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Transport;

/**
 * Exact results under console noise in a qemu VM (the agent on its virtio-serial port), with kernel
 * messages on the serial console as well.
 */
@BootImage(distro = "debian", release = "bookworm", boot = Boot.QEMU, transport = Transport.CONSOLE)
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD) // the CPU-heavy lane (extension/pom.xml)
class QemuConsoleNoiseIT extends ConsoleNoise {
    @Override
    List<String> writers() {
        List<String> w = new ArrayList<>(super.writers());
        // Level 2 (critical): printed on the console at the kernel's console log level.
        w.add("while :; do echo '<2>bootimage: kernel message during commands' >/dev/kmsg; sleep 0.02; done");
        return w;
    }

    @org.junit.jupiter.api.Test
    void kernelMessagesReachTheConsoleLog(io.github.bootimage.Machine machine) {
        machine.succeed("sleep", "1");
        org.junit.jupiter.api.Assertions.assertTrue(machine.consoleLog().contains("bootimage: kernel message during commands"),
                "no kernel message reached the console: the test would prove nothing");
    }
}
