package io.github.bootimage.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.platform.engine.discovery.ClassSelector;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import io.github.bootimage.fake.LocalRuntime;

/**
 * Runs fixture classes through the real Jupiter engine with the unit tier's runtime (local shells, no
 * images): one engine run, so one bootimage runtime, per call.
 */
final class LocalRun {
    private final Path cache;

    LocalRun(Path cache) {
        this.cache = cache;
    }

    EngineExecutionResults run(List<Class<?>> fixtures, String... config) {
        var kit = EngineTestKit.engine("junit-jupiter")
                .selectors(fixtures.stream().map(c -> selectClass(c)).toArray(ClassSelector[]::new))
                .configurationParameter("bootimage.cache.dir", cache.toString())
                .configurationParameter("bootimage.runtime", LocalRuntime.class.getName())
                .configurationParameter("bootimage.transport", "console");
        for (int i = 0; i + 1 < config.length; i += 2) {
            kit = kit.configurationParameter(config[i], config[i + 1]);
        }
        return kit.execute();
    }

    EngineExecutionResults run(Class<?> fixture, String... config) {
        return run(List.of(fixture), config);
    }

    /** The local backend's "boot NAME PID" and "stop NAME" lines, in order. */
    List<String> events() {
        try {
            Path f = LocalRuntime.events(cache);
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names of the machines booted, in order. */
    List<String> booted() {
        return events().stream().filter(l -> l.startsWith("boot ")).map(l -> l.split(" ")[1]).toList();
    }

    /** The names of the machines stopped, in order. */
    List<String> stopped() {
        return events().stream().filter(l -> l.startsWith("stop ")).map(l -> l.split(" ")[1]).toList();
    }

    /** The host pid of a booted machine's shell. */
    long pid(String machine) {
        return events().stream().filter(l -> l.startsWith("boot " + machine + " ")).map(l -> Long.parseLong(l.split(" ")[2]))
                .findFirst().orElseThrow(() -> new AssertionError(machine + " was not booted: " + events()));
    }

    static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
