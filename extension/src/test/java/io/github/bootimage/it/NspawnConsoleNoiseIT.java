package io.github.bootimage.it;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Transport;

/** Exact results under console noise in a systemd-nspawn container (the agent on its FIFOs). */
@BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN, transport = Transport.CONSOLE)
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD) // the CPU-heavy lane (extension/pom.xml)
class NspawnConsoleNoiseIT extends ConsoleNoise {
}
