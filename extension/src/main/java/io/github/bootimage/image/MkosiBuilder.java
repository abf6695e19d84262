package io.github.bootimage.image;

import java.io.BufferedWriter;
import java.io.IOException;
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
        return command(spec, generated(), configDir, outputDir);
    }

    /**
     * The recipe of a configuration directory written from a spec, for its mkosi arguments and package
     * layer (callers that pass no recipe have written the directory already).
     */
    private static ImageRecipe generated() {
        return ImageRecipe.of(null);
    }

    /** The mkosi command for a recipe's build, which syncs the repository metadata as mkosi does by default. */
    public List<String> command(ImageSpec spec, ImageRecipe recipe, Path configDir, Path outputDir) {
        return command(spec, recipe, configDir, outputDir, false);
    }

    /**
     * The mkosi command for a recipe's build.
     *
     * @param reuseMetadata whether the build takes the repository metadata the release's package cache holds
     *                      instead of syncing it ({@code --cache-only=metadata}; see {@link #reusesMetadata})
     */
    public List<String> command(ImageSpec spec, ImageRecipe recipe, Path configDir, Path outputDir, boolean reuseMetadata) {
        List<String> cmd = new ArrayList<>(List.of("mkosi"));
        cmd.addAll(recipe.mkosiArguments(configDir));
        cmd.addAll(List.of("--output-dir", outputDir.toString(),
                "--package-cache-dir", packageCache(spec).toString()));
        if (reuseMetadata) {
            cmd.add("--cache-only=metadata");
        }
        // A build on a base tree installs only on top of it: mkosi keeps no incremental cache for it.
        if (incremental && recipe.incremental()) {
            cmd.addAll(List.of("--cache-dir", incrementalDir(spec, recipe).toString(), "--incremental"));
        }
        // mkosi's workspace inside the build's own directory, not in /var/tmp: a killed build leaves nothing there.
        cmd.addAll(List.of("--workspace-dir", workspaceDir(outputDir).toString()));
        cmd.add("build");
        return cmd;
    }

    /** Where mkosi keeps its workspace for a build into {@code outputDir}: inside it, removed after the build. */
    static Path workspaceDir(Path outputDir) {
        return outputDir.resolve(".mkosi-workspace");
    }

    /**
     * mkosi's incremental cache for the spec's package layer. mkosi 24 names its cached tree after
     * distribution, release and architecture only, so specs with other packages would overwrite (and,
     * built at once, collide in) one shared tree: each package layer gets its own directory, and
     * trees and scripts, which are applied on top, do not change it.
     */
    public Path incrementalDir(ImageSpec spec) {
        return cacheRoot.resolve("incremental").resolve(spec.distro().name() + "-" + spec.release() + "-" + packageLayerKey(spec));
    }

    /** mkosi's incremental cache for a recipe's package layer. */
    public Path incrementalDir(ImageSpec spec, ImageRecipe recipe) {
        return cacheRoot.resolve("incremental").resolve(spec.distro().name() + "-" + spec.release() + "-"
                + recipe.packageLayerKey(spec));
    }

    static String packageLayerKey(ImageSpec spec) {
        String layer = spec.distro().name() + "\0" + spec.release() + "\0" + spec.format() + "\0" + spec.kernel() + "\0"
                + String.join(",", spec.allPackages()) + "\0" + String.join(",", spec.buildPackages()) + "\0"
                + spec.mirror() + "\0" + RepositoryFile.contentKey(spec);
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(layer.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d).substring(0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void build(ImageSpec spec, Path configDir, Path outputDir, Path logFile) {
        build(spec, generated(), configDir, outputDir, logFile);
    }

    @Override
    public void build(ImageSpec spec, ImageRecipe recipe, Path configDir, Path outputDir, Path logFile) {
        runner.tools().require("mkosi", "to build the image " + spec.label());
        Path packages = packageCache(spec);
        boolean reuse = reusesMetadata(spec, recipe, packages);
        List<String> cmd = command(spec, recipe, configDir, outputDir, reuse);
        try {
            Files.createDirectories(packages);
            Files.createDirectories(workspaceDir(outputDir));
            if (incremental && recipe.incremental()) {
                Files.createDirectories(incrementalDir(spec, recipe));
            }
            // One build per release at a time, across threads and JVMs: they share the package cache (mkosi runs
            // apt and dnf without their own locks) and, per package layer, mkosi's cached tree.
            try (var release = KeyedFileLock.acquire(packages.resolveSibling(packages.getFileName() + ".lock"));
                 var served = LocalRepositoryServer.serve(spec, configDir)) {
                Attempt a = runMkosi(spec, cmd, configDir, outputDir, logFile);
                if (reuse && !a.result().succeeded() && !a.result().timedOut() && a.logFailure() == null) {
                    // The cached metadata may be another mirror's, or name packages the mirror no longer has: sync once.
                    LOG.log(System.Logger.Level.INFO, "Building {0} with the package cache''s repository metadata failed"
                            + " (exit code {1}); building it again with the metadata synced", spec.label(), a.result().exitCode());
                    deleteOutputs(outputDir);
                    cmd = command(spec, recipe, configDir, outputDir, false);
                    a = runMkosi(spec, cmd, configDir, outputDir, logFile);
                }
                finish(spec, a, logFile);
            }
        } catch (IOException e) {
            throw new ImageBuildException("Could not run mkosi to build " + spec.label() + ": " + e.getMessage()
                    + "\ncommand: " + String.join(" ", cmd), e);
        }
    }

    /** The release's package cache, shared by every build of that distribution and release. */
    private Path packageCache(ImageSpec spec) {
        return cacheRoot.resolve("packages").resolve(spec.distro().name() + "-" + spec.release());
    }

    /**
     * Whether a build takes the repository metadata of the release's package cache as it is instead of syncing it:
     * a build on a base tree (its base synced the metadata, and the image's other packages then come from the same
     * lists as the base's, so the versions match a full build made with the base) of a distribution that uses apt,
     * when the cache holds apt's lists. Syncing costs each such build 3-5 s here (apt-get update against the
     * archive). A build that fails this way is built again with the metadata synced (another mirror's lists, or a
     * package the archive has replaced since).
     */
    static boolean reusesMetadata(ImageSpec spec, ImageRecipe recipe, Path packages) {
        if (recipe.baseTree().isEmpty() || spec.distro().packageManager() != PackageManager.DPKG) {
            return false;
        }
        try (var lists = Files.list(packages.resolve("lib/apt/lists"))) {
            return lists.anyMatch(f -> f.getFileName().toString().endsWith("_Packages"));
        } catch (IOException e) {
            return false;
        }
    }

    /** One run of mkosi and whether its log could be written. */
    private record Attempt(ProcessRunner.Result result, IOException logFailure) {
    }

    private Attempt runMkosi(ImageSpec spec, List<String> cmd, Path configDir, Path outputDir, Path logFile) throws IOException {
        LOG.log(System.Logger.Level.INFO, "Building image {0} with mkosi: {1}", spec.label(), String.join(" ", cmd));
        BuildLog log = new BuildLog(logFile);
        Files.createDirectories(workspaceDir(outputDir));
        ProcessRunner.Result r;
        try {
            // Under the tree guard: mkosi and all it starts die with the JVM thread that waits for it,
            // even when the JVM is SIGKILLed, and nothing it started outlives the build.
            r = runner.runTree(cmd, configDir, timeout, 400, line -> {
                LOG.log(System.Logger.Level.DEBUG, "[mkosi {0}] {1}", spec.label(), line);
                log.write(line);
            });
        } finally {
            log.close();
            ImageCache.deleteTree(workspaceDir(outputDir));
        }
        return new Attempt(r, log.failure());
    }

    /** What a failed attempt left in the output directory (mkosi refuses to overwrite an output). */
    private static void deleteOutputs(Path outputDir) throws IOException {
        try (var files = Files.list(outputDir)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().startsWith("image")) {
                    ImageCache.deleteTree(f);
                }
            }
        }
    }

    private static void finish(ImageSpec spec, Attempt a, Path logFile) {
        ProcessRunner.Result r = a.result();
        if (a.logFailure() != null) {
            // Usually a full disk: say so first, whatever mkosi made of it.
            throw new ImageBuildException("Could not write the build log " + logFile + " (" + a.logFailure().getMessage()
                    + "): the image cache's file system is probably full. Free space, run 'bootimage prune', or set"
                    + " bootimage.cache.dir to a larger file system.\n" + failureMessage(spec, r, logFile), a.logFailure());
        }
        if (!r.succeeded()) {
            throw new ImageBuildException(failureMessage(spec, r, logFile));
        }
        LOG.log(System.Logger.Level.INFO, "Built image {0} in {1} s", spec.label(), r.duration().toMillis() / 1000.0);
    }

    /**
     * The build log file. A write that fails (a full disk) is remembered and ends logging, but never
     * stops reading mkosi's output: a pump that stopped would leave mkosi blocked on a full pipe.
     */
    private static final class BuildLog {
        private final Path file;
        private BufferedWriter writer;
        private IOException failure;

        BuildLog(Path file) {
            this.file = file;
        }

        synchronized void write(String line) {
            if (failure != null) {
                return;
            }
            try {
                if (writer == null) {
                    writer = Files.newBufferedWriter(file);
                }
                writer.write(line);
                writer.newLine();
            } catch (IOException e) {
                failure = e;
            }
        }

        synchronized void close() {
            try {
                if (writer != null) {
                    writer.close();
                } else if (failure == null) {
                    Files.writeString(file, "");
                }
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }

        synchronized IOException failure() {
            return failure;
        }
    }

    private static final Pattern RUNNING_SCRIPT = Pattern.compile("‣\\s+Running (\\S+) script (.+?)…?$");
    private static final Pattern SCRIPT_EXIT = Pattern.compile("returned non-zero exit code (\\d+)");

    /**
     * The script that failed, as the host knows it ({@code /path/mkosi.postinst (postinstall script, exit code 3)}):
     * mkosi announces each script by its host path, but reports its failure by its path inside the sandbox.
     */
    static java.util.Optional<String> failedScript(List<String> lines) {
        String script = null;
        for (String l : lines) {
            java.util.regex.Matcher run = RUNNING_SCRIPT.matcher(l.strip());
            if (run.find()) {
                script = run.group(2) + " (" + run.group(1) + " script";
                continue;
            }
            java.util.regex.Matcher exit = SCRIPT_EXIT.matcher(l);
            if (script != null && exit.find()) {
                return java.util.Optional.of(script + ", exit code " + exit.group(1) + ")");
            }
        }
        return java.util.Optional.empty();
    }

    /** The message of a failed build: command, exit code, the lines that explain it, the tail. */
    static String failureMessage(ImageSpec spec, ProcessRunner.Result r, Path logFile) {
        StringBuilder m = new StringBuilder();
        MissingPackage.explain(spec, r.lines()).ifPresent(why -> m.append(why).append('\n'));
        m.append("mkosi failed to build the image ").append(spec.label());
        if (r.timedOut()) {
            m.append(": it was stopped after the build timeout of ").append(r.duration().toSeconds())
                    .append(" s (set bootimage.timeout.build to allow more)");
        } else {
            m.append(" (exit code ").append(r.exitCode()).append(')');
        }
        m.append("\ncommand: ").append(r.commandLine());
        failedScript(r.lines()).ifPresent(s -> m.append("\nfailed script: ").append(s));
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
