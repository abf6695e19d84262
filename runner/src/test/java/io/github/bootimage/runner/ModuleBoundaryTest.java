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
 * The runner reaches the extension through a small public API: the user types in {@code io.github.bootimage},
 * the runtime ({@code io.github.bootimage.runtime}: the run's object, requests, machines, cache entries), and
 * a named handful of the image model, host tools and KVM probe. Never the JUnit glue, the transports, the
 * backends, the cache's locks or its builders. The benchmarks ({@code runner.bench}) measure some of those
 * parts and may import exactly the ones listed for them, no more.
 */
class ModuleBoundaryTest {
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(io\\.github\\.bootimage\\.[\\w.]+);", Pattern.MULTILINE);
    private static final List<String> COMMANDS = List.of(
            "io\\.github\\.bootimage\\.[A-Z]\\w*(\\.\\w+)?",
            "io\\.github\\.bootimage\\.runtime\\.[A-Z]\\w*",
            "io\\.github\\.bootimage\\.image\\.(Architecture|Distro|DistroHostSupport|Image|ImageCache|ImageSpec|MirrorCheck"
                    + "|MirrorUnavailableException|RemoteCache|UserMkosiProject)",
            "io\\.github\\.bootimage\\.image\\.remote\\.(RegistryCache|RegistryFailure)",
            "io\\.github\\.bootimage\\.process\\.(HostTools|ProcessRunner)",
            "io\\.github\\.bootimage\\.boot\\.(HostCapabilities|KvmSupport)",
            "io\\.github\\.bootimage\\.runner\\.[\\w.]+");
    /** What the benchmarks measure beyond the commands' API: builders, a raw guest process, the SSH key, networking requests. */
    private static final List<String> BENCHES = List.of(
            "io\\.github\\.bootimage\\.image\\.(ImageBuilder|MkosiBuilder|MkosiConfig|MkosiVersion)",
            "io\\.github\\.bootimage\\.image\\.remote\\.(LocalRegistry|RemoteSettings)",
            "io\\.github\\.bootimage\\.boot\\.(GuestOptions|GuestProcess|QemuBackend)",
            "io\\.github\\.bootimage\\.boot\\.net\\.(NetworkRequest|NetworkScope)",
            "io\\.github\\.bootimage\\.transport\\.SshKeys");

    private static TreeSet<String> outside(Path dir, List<String> allowed) throws IOException {
        assertTrue(Files.isDirectory(dir), "run from the runner module: " + dir.toAbsolutePath());
        List<Pattern> patterns = allowed.stream().map(Pattern::compile).toList();
        TreeSet<String> outside = new TreeSet<>();
        int files = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String imported = m.group(1);
                    if (patterns.stream().noneMatch(p -> p.matcher(imported).matches())) {
                        outside.add(f.getFileName() + ": " + imported);
                    }
                }
            }
        }
        assertTrue(files > 5, "found the sources in " + dir);
        return outside;
    }

    @Test
    void commandsImportOnlyThePublicApi() throws IOException {
        assertEquals(new TreeSet<String>(), outside(Path.of("src/main/java/io/github/bootimage/runner"), COMMANDS),
                "imports outside the extension's public API");
    }

    @Test
    void benchmarksImportOnlyThePublicApiAndWhatTheyMeasure() throws IOException {
        List<String> allowed = new java.util.ArrayList<>(COMMANDS);
        allowed.addAll(BENCHES);
        assertEquals(new TreeSet<String>(), outside(Path.of("src/main/java/io/github/bootimage/runner/bench"), allowed),
                "imports outside the extension's public API and the parts the benchmarks measure");
    }

    @Test
    void aNewImportOutsideTheApiIsCaught() {
        List<Pattern> patterns = COMMANDS.stream().map(Pattern::compile).toList();
        for (String forbidden : List.of("io.github.bootimage.image.EntryUse", "io.github.bootimage.image.KeyedFileLock",
                "io.github.bootimage.junit.Machines", "io.github.bootimage.transport.SshKeys", "io.github.bootimage.boot.QemuBackend")) {
            assertTrue(patterns.stream().noneMatch(p -> p.matcher(forbidden).matches()), forbidden + " passes as API");
        }
    }
}
