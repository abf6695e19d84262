package io.github.bootimage.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.ImageBuildException;
import io.github.bootimage.failure.Failures;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;

/**
 * What mkosi makes of a user's project: {@code mkosi --json summary} on the directory, read into
 * {@link ProjectSettings}, remembered per project content under the cache's {@code .projects/}; and
 * the message of a configuration mkosi rejects.
 */
final class MkosiSummary {
    private MkosiSummary() {
    }

    /**
     * The project's settings as mkosi resolves them, with a matrix entry's distribution and release
     * when given (null: the project's own). Remembered per project content, mkosi version and override
     * under {@code <cache>/.projects/}, so an unchanged project does not run mkosi.
     *
     * @throws ImageBuildException quoting mkosi's error line and naming the file when mkosi rejects the configuration
     */
    static ProjectSettings read(UserMkosiProject project, HostTools tools, MkosiVersion mkosi, Path cacheRoot, String distro,
                                String release) {
        Path directory = project.directory();
        String id = UserMkosiProject.hex("summary 4\0" + project.contentHash() + "\0" + mkosi.text() + "\0" + distro + "\0" + release);
        Path file = cacheRoot.resolve(".projects").resolve(id + ".properties");
        if (Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (var in = Files.newInputStream(file)) {
                p.load(in);
                return ProjectSettings.fromProperties(p);
            } catch (IOException | RuntimeException e) {
                // an unreadable record is asked again
            }
        }
        ProjectSettings s = summary(directory, tools, distro, release);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), id, ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                s.toProperties().store(out, "mkosi's settings of " + directory + " (bootimage)");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw Failures.cacheNotWritable(file.toString(), e.getMessage(), e);
        }
        return s;
    }

    /** The summary command: mkosi on the project, with the override, in debug mode (it names each file it reads). */
    static List<String> summaryCommand(Path directory, Path mkosi, String distro, String release) {
        List<String> cmd = new ArrayList<>(List.of(mkosi.toString(), "--directory", directory.toString()));
        if (distro != null) {
            cmd.addAll(List.of("--distribution", distro));
        }
        if (release != null) {
            cmd.addAll(List.of("--release", release));
        }
        cmd.addAll(List.of("--debug", "--json", "summary"));
        return cmd;
    }

    private static ProjectSettings summary(Path directory, HostTools tools, String distro, String release) {
        Path mkosi = tools.require("mkosi", "to read the mkosi configuration " + directory);
        List<String> cmd = summaryCommand(directory, mkosi, distro, release);
        try {
            ProcessRunner.Captured c = new ProcessRunner(tools).capture(cmd, directory, null, Duration.ofMinutes(2));
            if (c.result().timedOut()) {
                throw Failures.mkosiSummaryFailed(directory.toString(), Failures.MkosiSummaryProblem.TIMED_OUT, null,
                        String.join(" ", cmd), null);
            }
            if (c.result().exitCode() != 0) {
                throw new ImageBuildException(rejectedMessage(directory, c.result().lines(), c.result().exitCode(),
                        String.join(" ", cmd)));
            }
            try {
                return ProjectSettings.fromSummary(new String(c.stdout(), StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                throw Failures.mkosiSummaryFailed(directory.toString(), Failures.MkosiSummaryProblem.UNREADABLE,
                        e.getMessage(), String.join(" ", cmd), e);
            }
        } catch (IOException e) {
            throw Failures.mkosiSummaryFailed(directory.toString(), Failures.MkosiSummaryProblem.NOT_RUNNABLE,
                    e.getMessage(), String.join(" ", cmd), e);
        }
    }

    /**
     * The message of a configuration mkosi rejects: its own error line, and the file it was reading
     * (the last "Including configuration file" of its debug output).
     */
    static String rejectedMessage(Path directory, List<String> log, int exitCode, String command) {
        String error = null;
        String file = null;
        for (String raw : log) {
            String l = raw.strip();
            if (!l.startsWith("‣")) {
                continue;
            }
            String text = l.substring(1).strip();
            if (text.startsWith("Including configuration file ")) {
                if (error == null) {
                    file = text.substring("Including configuration file ".length()).strip();
                }
            } else if (error == null) {
                error = text;
            }
        }
        StringBuilder m = new StringBuilder("mkosi rejects the configuration in ").append(directory);
        if (error != null) {
            m.append(": \"").append(error).append('"');
        } else {
            m.append(" (exit code ").append(exitCode).append(')');
        }
        if (file != null) {
            Path f = Path.of(file);
            m.append(" in ").append(f.startsWith(directory) ? directory.relativize(f) : f);
        }
        m.append(". Fix or remove that setting ('man mkosi' lists the settings and values this mkosi knows);"
                + " 'mkosi summary' in the directory shows the same error.");
        if (error == null) {
            m.append("\nlast lines of mkosi's output:");
            log.stream().skip(Math.max(0, log.size() - 15)).forEach(l -> m.append("\n  ").append(l));
        }
        m.append("\ncommand: ").append(command);
        return m.toString();
    }
}
