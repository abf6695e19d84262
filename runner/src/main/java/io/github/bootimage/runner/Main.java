package io.github.bootimage.runner;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;
import io.github.bootimage.runner.bench.Bench;
import io.github.bootimage.runner.bench.BenchContext;
import io.github.bootimage.runner.bench.BenchRow;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of the {@code bootimage} command. */
@Command(name = "bootimage", mixinStandardHelpOptions = true, version = "bootimage 0.1.0",
        description = "Run JUnit suites inside real OS images built with mkosi, across distributions.",
        subcommands = {TestCommand.class, BuildCommand.class, ImagesCommand.class, RemoteCommands.PushCommand.class,
                RemoteCommands.PullCommand.class, PruneCommand.class,
                ShellCommand.class, DoctorCommand.class, Main.BenchCommand.class})
public final class Main implements Callable<Integer> {

    /** Logs the extension's INFO lines (backend choice, boot times) when given; WARNING and above otherwise. */
    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Also print the extension's INFO log (backend choices, boot times).")
    void setVerbose(boolean verbose) {
        Main.verbose = verbose;
        logLevel(verbose ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING);
    }

    /** Whether {@code -v} was given (the bench keeps library logging out of its table without it). */
    private static volatile boolean verbose;

    private static void logLevel(java.util.logging.Level level) {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(level);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code: 0 success, 1 test or build failure, 2 bad usage. */
    public static int run(String... args) {
        logLevel(java.util.logging.Level.WARNING);
        // The registry client (ORAS) logs through slf4j-simple: its INFO lines ("blob already exists") are noise here.
        System.setProperty("org.slf4j.simpleLogger.log.land.oras", "warn");
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                line.getErr().println("bootimage " + line.getCommandName() + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cl.execute(args);
    }

    /** {@code bootimage bench}: every benchmark in one table, with raw baselines and ratios, also as JSON. */
    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Run the benchmarks and print one table with the raw baselines beside them.")
    static final class BenchCommand implements Callable<Integer> {
        @Option(names = "--only", description = "Run only these sections (repeatable)")
        List<String> only = List.of();

        @Option(names = "--iterations", defaultValue = "200", description = "Repetitions for latency figures")
        int iterations;

        @Option(names = "--json", defaultValue = "target/bootimage-bench.json", description = "Where to write the JSON")
        Path json;

        @Override
        public Integer call() throws Exception {
            Set<String> sel = new HashSet<>(only);
            if (!verbose) {
                // The table and the progress lines only: library warnings (a slow VM stop, a registry's notes) need -v.
                logLevel(java.util.logging.Level.OFF);
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
            }
            try (BootImageRuntime f = BootImageRuntime.forHost(Settings.fromSystemProperties())) {
                List<BenchRow> rows = Bench.run(new BenchContext(f, iterations, System.err), sel);
                Bench.report(rows, System.out, json);
                return 0;
            }
        }
    }
}
