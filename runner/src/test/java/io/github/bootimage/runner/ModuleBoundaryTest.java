package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The runner's commands reach the extension through its public API: the user types in
 * {@code io.github.bootimage}, the runtime ({@code io.github.bootimage.runtime}), the image model and cache
 * ({@code image}, {@code image.remote}), the host's tools and the KVM probe. Never the JUnit glue, the transports or the
 * backends' classes. The benchmarks ({@code runner.bench}) measure those parts and are exempt.
 */
class ModuleBoundaryTest {
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(io\\.github\\.bootimage\\.[\\w.]+);", Pattern.MULTILINE);
    private static final List<Pattern> ALLOWED = Stream.of(
            "io\\.github\\.bootimage\\.[A-Z]\\w*(\\.\\w+)?",
            "io\\.github\\.bootimage\\.runtime\\.[A-Z]\\w*",
            "io\\.github\\.bootimage\\.image\\.(remote\\.)?[A-Z]\\w*",
            "io\\.github\\.bootimage\\.process\\.(HostTools|ProcessRunner)",
            "io\\.github\\.bootimage\\.boot\\.(HostCapabilities|KvmSupport)",
            "io\\.github\\.bootimage\\.runner\\.[\\w.]+").map(Pattern::compile).toList();

    @Test
    void commandsImportOnlyThePublicApi() throws IOException {
        Path dir = Path.of("src/main/java/io/github/bootimage/runner");
        assertTrue(Files.isDirectory(dir), "run from the runner module: " + dir.toAbsolutePath());
        TreeSet<String> outside = new TreeSet<>();
        int files = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String imported = m.group(1);
                    if (ALLOWED.stream().noneMatch(p -> p.matcher(imported).matches())) {
                        outside.add(f.getFileName() + ": " + imported);
                    }
                }
            }
        }
        assertTrue(files > 10, "found the runner's sources");
        assertEquals(new TreeSet<String>(), outside, "imports outside the extension's public API");
    }
}
