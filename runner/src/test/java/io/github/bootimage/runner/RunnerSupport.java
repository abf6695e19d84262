package io.github.bootimage.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs the real runner jar (built by the package phase) as a separate process. */
final class RunnerSupport {
    private RunnerSupport() {
    }

    record Result(int code, String out, String err, long millis) {
        @Override
        public String toString() {
            return "exit " + code + " after " + millis + " ms\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    static Path jar() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            return s.filter(p -> p.getFileName().toString().matches("bootimage-runner-.*-all\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("runner/target/bootimage-runner-*-all.jar is missing: run"
                            + " the image tier through 'mvn verify' so the package phase builds it"));
        }
    }

    static Path cacheDir() {
        String c = System.getProperty("bootimage.cache.dir");
        return c != null ? Path.of(c) : Path.of(System.getProperty("user.home"), ".cache", "bootimage");
    }

    static Path testClasses() {
        return Path.of("target", "test-classes").toAbsolutePath();
    }

    static List<String> command(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Result run(String... args) throws Exception {
        long t0 = System.nanoTime();
        Path out = Files.createTempFile("runner-out", ".txt");
        Path err = Files.createTempFile("runner-err", ".txt");
        Process p = new ProcessBuilder(command(args)).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                throw new AssertionError("bootimage " + String.join(" ", args) + " did not finish in 10 minutes");
            }
        } finally {
            if (p.isAlive()) {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1_000_000);
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Processes whose command line mentions {@code text} (to check that nothing was left running). */
    static List<String> processesMentioning(String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmd.contains(text) && !cmd.contains("surefire") && !cmd.contains("failsafe")) {
                        out.add(p.getFileName() + " " + cmd);
                    }
                } catch (IOException e) {
                    // gone
                }
            }
        }
        return out;
    }
}
