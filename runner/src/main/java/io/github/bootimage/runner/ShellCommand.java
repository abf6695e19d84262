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
import io.github.bootimage.process.HostTools;
import io.github.bootimage.runtime.DefaultMachine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bootimage shell}: boots an image and gives the user a shell in it. On a terminal (stdin and stdout
 * both terminals) it is an interactive login shell on that terminal ({@code nsenter} into an nspawn guest,
 * {@code ssh -t} into a qemu one, which then boots with the SSH transport), so {@code cd} carries over and
 * {@code vi} and {@code less} work; its exit stops the machine. Otherwise (stdin piped) it runs each line
 * in the guest through {@code sh -c}, printing its output; end of input or {@code exit} stops the machine.
 */
@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"Boot an image and open a shell in it.",
                "On a terminal: an interactive login shell in the guest (nsenter for nspawn, ssh -t for qemu);"
                        + " leaving it stops the machine. Exit code: the shell's.",
                "Piped stdin (or --lines): each line runs in the guest through sh -c; end of input or 'exit'"
                        + " stops the machine. Exit code: the last command's."})
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

    @Option(names = "--transport", description = {"console or ssh (default: console; ssh for a qemu machine on a terminal,"
            + " the only way to give it one)."})
    Transport transport;

    @Option(names = "--lines", description = "Line mode even on a terminal: each line runs through sh -c.")
    boolean lines;

    @Mixin
    Config config;

    @Override
    public Integer call() throws Exception {
        boolean terminal = !lines && System.console() != null;
        var runtime = config.runtime();
        Transport t = transport != null ? transport : Transport.CONSOLE;
        var request = request(t);
        if (terminal) {
            Boot chosen = runtime.chooseBoot(request.boot(), runtime.resolve(request).spec());
            if (chosen == Boot.QEMU && transport == null) {
                request = request(Transport.SSH);
            } else if (chosen == Boot.QEMU && transport == Transport.CONSOLE) {
                throw new CommandLine.ParameterException(spec(), "bootimage shell: a qemu machine has no terminal over"
                        + " --transport console; use --transport ssh (the default for qemu on a terminal), or --lines"
                        + " to run one command per line");
            }
        }
        ImageRequests.build(runtime, request, "", System.err);
        try (DefaultMachine m = runtime.boot(request)) {
            return terminal ? interactive(m) : lineMode(m);
        }
    }

    private io.github.bootimage.runtime.MachineRequest request(Transport t) {
        return mkosiConfig != null ? ImageRequests.project(mkosiConfig, spec, packages, boot, t)
                : ImageRequests.of(spec == null ? "debian:bookworm" : spec, packages, boot, t);
    }

    private CommandLine spec() {
        return commandSpec.commandLine();
    }

    @Spec
    CommandSpec commandSpec;

    /** The guest's login shell on this terminal; its exit code is the command's. */
    private int interactive(DefaultMachine m) throws Exception {
        List<String> argv = m.terminalCommand(System.getenv("TERM"));
        System.err.printf("bootimage: %s booted (%s, %s, %d ms); a shell in it follows, 'exit' or Ctrl-D stops the machine%n",
                m.name(), m.info().boot(), m.info().transport(), m.info().bootTime().toMillis());
        ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
        pb.environment().put("PATH", config.runtime().tools().path());
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            System.err.println("bootimage: " + HostTools.missingMessage(argv.get(0), "for a terminal in the guest"));
            return 1;
        }
        int code = p.waitFor();
        System.err.println("bootimage: stopping " + m.name());
        return code;
    }

    /** One command per line of stdin, through sh -c; the last command's exit code is the command's. */
    private int lineMode(Machine m) throws Exception {
        System.err.printf("bootimage: %s booted (%s, %s, %d ms); type commands, Ctrl-D or 'exit' to stop it%n",
                m.name(), m.info().boot(), m.info().transport(), m.info().bootTime().toMillis());
        boolean prompt = System.console() != null;
        int last = 0;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            if (prompt) {
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
        return last;
    }
}
