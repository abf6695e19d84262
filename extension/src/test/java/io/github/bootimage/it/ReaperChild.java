package io.github.bootimage.it;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.net.NetworkRequest;
import io.github.bootimage.boot.net.NetworkScope;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.MachineRequest;

/** A JVM that boots a machine, says so, and waits to be killed (by ReaperIT). */
public final class ReaperChild {
    private ReaperChild() {
    }

    public static void main(String[] args) throws Exception {
        MachineRequest request = new MachineRequest(ImageSpec.of("debian", "bookworm"),
                Boot.valueOf(args.length > 0 ? args[0] : "NSPAWN"), Transport.CONSOLE, null, "ReaperChild");
        if (args.length > 1 && args[1].equals("lan")) {
            // On a named network (a namespace with a bridge), with a published port (a forwarder process).
            request = request.withNetwork(new NetworkRequest("lan", "one", "ReaperChild", new NetworkScope("ReaperChild")));
        }
        DefaultMachine m = ImageTier.factory().boot(request);
        if (args.length > 1) {
            m.hostPort(9);
        }
        StringBuilder line = new StringBuilder("READY " + m.name());
        for (long pid : m.guest().processes()) {
            line.append(' ').append(pid);
        }
        System.out.println(line);
        System.out.flush();
        Thread.sleep(600_000);
    }
}
