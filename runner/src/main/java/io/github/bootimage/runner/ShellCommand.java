package io.github.bootimage.runner;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.github.bootimage.Boot;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bootimage shell}: boots an image and runs the lines typed (or piped) on stdin in the guest,
 * each through {@code sh -c}, printing its output; end of input or {@code exit} stops the machine.
 */
@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"Boot an image and run commands in it from stdin, one line at a time (sh -c).",
                "End of input (Ctrl-D) or 'exit' stops the machine. Exit code: the last command's."})
final class ShellCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DISTRO[:RELEASE]", arity = "0..1", description = {"The image (default debian:bookworm).",
            "With --mkosi-config: overrides the configuration's distribution and release, like a @DistroMatrix entry."})
    String spec;

    @Option(names = "--mkosi-config", paramLabel = "DIR", description = "Boot an mkosi configuration directory of one's own,"
            + " built as it is (with what booting needs added beside it).")
    String mkosiConfig;

    @Option(names = "--packages", paramLabel = "PKG", split = ",", description = "Extra packages.")
    List<String> packages = new ArrayList<>();

    @Option(names = "--boot", defaultValue = "AUTO", description = "auto, nspawn or qemu.")
    Boot boot;

    @Option(names = "--transport", defaultValue = "CONSOLE", description = "console or ssh (default console).")
    Transport transport;

    @Mixin
    Config config;

    @Override
    public Integer call() throws Exception {
        var request = mkosiConfig != null ? ImageRequests.project(mkosiConfig, spec, packages, boot, transport)
                : ImageRequests.of(spec == null ? "debian:bookworm" : spec, packages, boot, transport);
        ImageRequests.build(config.runtime(), request, "", System.err);
        boolean tty = System.console() != null;
        int last = 0;
        try (Machine m = config.runtime().boot(request)) {
            System.err.printf("bootimage: %s booted (%s, %s, %d ms); type commands, Ctrl-D or 'exit' to stop it%n",
                    m.name(), m.info().boot(), m.info().transport(), m.info().bootTime().toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                if (tty) {
                    System.err.print("root@" + m.name() + ":~# ");
                    System.err.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals("exit")) {
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                ExecResult r = m.exec("sh", "-c", line);
                System.out.print(r.stdout());
                System.out.flush();
                System.err.print(r.stderr());
                System.err.flush();
                last = r.exitCode();
            }
            System.err.println("bootimage: stopping " + m.name());
        }
        return last;
    }
}
