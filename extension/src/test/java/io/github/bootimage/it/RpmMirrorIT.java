package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Distro;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.Settings;

/**
 * {@code bootimage.mirror.fedora} pointing at a server on 127.0.0.1 laid out as a Fedora mirror
 * ({@code linux/releases/<release>/Everything/x86_64/os/}, no updates tree), with
 * {@code bootimage.mirror.fedora.key} naming the key it is signed with: dnf builds from it and the image boots.
 */
class RpmMirrorIT {

    @Test
    void aMirrorLaidOutAsFedorasAndSignedWithItsOwnKeyBuildsAnImage() throws Exception {
        Path repo = LocalRpmRepository.ensure(Optional.empty()).toRealPath();
        String release = Distro.of("fedora").defaultRelease();
        String prefix = "/fedora/linux/releases/" + release + "/Everything/x86_64/os/";
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", ex -> {
            try (ex) {
                String path = ex.getRequestURI().getPath();
                Path p = path.startsWith(prefix) ? repo.resolve(path.substring(prefix.length())).normalize() : null;
                if (p == null || !p.startsWith(repo) || !Files.isRegularFile(p)) {
                    ex.sendResponseHeaders(404, -1);
                    return;
                }
                ex.sendResponseHeaders(200, Files.size(p));
                try (OutputStream out = ex.getResponseBody()) {
                    Files.copy(p, out);
                }
            }
        });
        server.start();
        try {
            String mirror = "http://127.0.0.1:" + server.getAddress().getPort() + "/fedora/";
            // bootimage.path makes this factory a distinct one (factories are shared per cache and tool path).
            BootImageRuntime f = BootImageRuntime.forHost(new Settings(k -> switch (k) {
                case "bootimage.mirror.fedora" -> Optional.of(mirror);
                case "bootimage.mirror.fedora.key" -> Optional.of(repo.resolve("RPM-GPG-KEY-bootimage-local").toString());
                case "bootimage.path" -> Optional.of("/usr/sbin");
                default -> Optional.ofNullable(System.getProperty(k));
            }));
            MachineRequest r = new MachineRequest(ImageSpec.of("fedora", "").withPackages("rpm", "bootimage-probe"), Boot.NSPAWN,
                    Transport.CONSOLE, null, "RpmMirrorIT");
            try (DefaultMachine m = f.boot(r)) {
                assertEquals("bootimage-probe-1.2.3-4.noarch", m.succeed("rpm", "-q", "bootimage-probe").strip());
                assertEquals("bootimage-rpm", m.osRelease().get("ID"));
            }
        } finally {
            server.stop(0);
        }
    }
}
