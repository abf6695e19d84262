package io.github.bootimage.it;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.MachineRequest;

/** A JVM that boots a machine, says so, and waits to be killed (by ReaperIT). */
public final class ReaperChild {
    private ReaperChild() {
    }

    public static void main(String[] args) throws Exception {
        DefaultMachine m = ImageTier.factory().boot(new MachineRequest(ImageSpec.of("debian", "bookworm"),
                Boot.valueOf(args.length > 0 ? args[0] : "NSPAWN"), Transport.CONSOLE, null, "ReaperChild"));
        StringBuilder line = new StringBuilder("READY " + m.name());
        for (long pid : m.guest().processes()) {
            line.append(' ').append(pid);
        }
        System.out.println(line);
        System.out.flush();
        Thread.sleep(600_000);
    }
}
