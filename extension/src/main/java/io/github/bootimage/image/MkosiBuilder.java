package io.github.bootimage.image;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.github.bootimage.ImageBuildException;
import io.github.bootimage.process.ProcessRunner;

/**
 * Runs mkosi through commons-exec; its output goes to the log and to a build log file. A failure
 * throws {@link ImageBuildException} with the command, the exit code and the lines that explain it.
 */
public final class MkosiBuilder implements ImageBuilder {
    private static final System.Logger LOG = System.getLogger(MkosiBuilder.class.getName());

    /** Lines of mkosi's or the package manager's output that say why a build failed. */
    private static final Pattern EXPLAINS = Pattern.compile(
            "Unable to locate package|^E: |Error:|error:|ERROR|No match for argument|not found|"
                    + "Failed to |failed with|Could not|cannot |No space left|Permission denied|"
                    + "target not found|No provider of|Unable to fetch|Temporary failure|is not installed");

    private final ProcessRunner runner;
    private final Path cacheRoot;
    private final Duration timeout;
    private final boolean incremental;

    /**
     * @param runner      runs mkosi
     * @param cacheRoot   the bootimage cache; mkosi's package cache and incremental cache live below it
     * @param timeout     how long one build may take
     * @param incremental whether mkosi keeps the installed-packages layer for rebuilds
     */
    public MkosiBuilder(ProcessRunner runner, Path cacheRoot, Duration timeout, boolean incremental) {
        this.runner = runner;
        this.cacheRoot = cacheRoot;
        this.timeout = timeout;
        this.incremental = incremental;
    }

    /** The mkosi command for a build. */
    public List<String> command(ImageSpec spec, Path configDir, Path outputDir) {
        List<String> cmd = new ArrayList<>(List.of("mkosi", "--directory", configDir.toString(),
                "--output-dir", outputDir.toString(),
                "--package-cache-dir", cacheRoot.resolve("packages").resolve(spec.distro().name() + "-" + spec.release()).toString()));
        if (incremental) {
            cmd.addAll(List.of("--cache-dir", cacheRoot.resolve("incremental").toString(), "--incremental"));
        }
        cmd.add("build");
        return cmd;
    }

    @Override
    public void build(ImageSpec spec, Path configDir, Path outputDir, Path logFile) {
        runner.tools().require("mkosi", "to build the image " + spec.label());
        List<String> cmd = command(spec, configDir, outputDir);
        ProcessRunner.Result r;
        try {
            Files.createDirectories(cacheRoot.resolve("packages").resolve(spec.distro().name() + "-" + spec.release()));
            if (incremental) {
                Files.createDirectories(cacheRoot.resolve("incremental"));
            }
            LOG.log(System.Logger.Level.INFO, "Building image {0} with mkosi: {1}", spec.label(), String.join(" ", cmd));
            try (BufferedWriter w = Files.newBufferedWriter(logFile)) {
                r = runner.run(cmd, configDir, timeout, 400, line -> {
                    LOG.log(System.Logger.Level.DEBUG, "[mkosi {0}] {1}", spec.label(), line);
                    try {
                        w.write(line);
                        w.newLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        } catch (IOException | UncheckedIOException e) {
            throw new ImageBuildException("Could not run mkosi to build " + spec.label() + ": " + e.getMessage()
                    + "\ncommand: " + String.join(" ", cmd), e);
        }
        if (!r.succeeded()) {
            throw new ImageBuildException(failureMessage(spec, r, logFile));
        }
        LOG.log(System.Logger.Level.INFO, "Built image {0} in {1} s", spec.label(), r.duration().toMillis() / 1000.0);
    }

    /** The message of a failed build: command, exit code, the lines that explain it, the tail. */
    static String failureMessage(ImageSpec spec, ProcessRunner.Result r, Path logFile) {
        StringBuilder m = new StringBuilder("mkosi failed to build the image ").append(spec.label());
        if (r.timedOut()) {
            m.append(": it was stopped after the build timeout of ").append(r.duration().toSeconds())
                    .append(" s (set bootimage.timeout.build to allow more)");
        } else {
            m.append(" (exit code ").append(r.exitCode()).append(')');
        }
        m.append("\ncommand: ").append(r.commandLine());
        List<String> why = r.lines().stream().filter(l -> EXPLAINS.matcher(l).find()).distinct().toList();
        if (!why.isEmpty()) {
            m.append("\nwhat went wrong:");
            why.stream().skip(Math.max(0, why.size() - 15)).forEach(l -> m.append("\n  ").append(l.strip()));
        }
        m.append("\nlast lines of mkosi's output:");
        r.lines().stream().skip(Math.max(0, r.lines().size() - 15)).forEach(l -> m.append("\n  ").append(l));
        m.append("\nfull log: ").append(logFile);
        return m.toString();
    }
}
