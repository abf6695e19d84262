package io.github.bootimage.runner;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.discovery.DiscoverySelectors;

import picocli.CommandLine.Option;

/**
 * What to run: classes, packages, or the classpath roots (directories) of a test classpath. Mixed
 * into {@code test} and {@code build}. Each run gets its own class loader over the classpath, so
 * the same test class can run for two distributions at once without sharing static state.
 */
public final class Selection {

    @Option(names = {"-c", "--class"}, paramLabel = "CLASS", description = "A test class to run (repeatable).")
    List<String> classes = new ArrayList<>();

    @Option(names = {"-p", "--package"}, paramLabel = "PACKAGE", description = "A package whose test classes run (repeatable).")
    List<String> packages = new ArrayList<>();

    @Option(names = {"--classpath", "--cp"}, paramLabel = "PATH", split = ":",
            description = "The test classpath (test classes and their dependencies), ':'-separated. Default: "
                    + "$BOOTIMAGE_CLASSPATH (set by the launcher script to the samples module's test classpath).")
    List<String> classpath = new ArrayList<>();

    /** The classpath entries, from the option or {@code BOOTIMAGE_CLASSPATH}. */
    public List<Path> entries() {
        List<String> raw = new ArrayList<>(classpath);
        if (raw.isEmpty()) {
            String env = System.getenv("BOOTIMAGE_CLASSPATH");
            if (env != null) {
                raw.addAll(List.of(env.split(File.pathSeparator)));
            }
        }
        List<Path> out = new ArrayList<>();
        for (String s : raw) {
            if (!s.isBlank()) {
                Path p = Path.of(s.strip()).toAbsolutePath().normalize();
                if (!Files.exists(p)) {
                    throw new IllegalArgumentException("Classpath entry " + p + " does not exist: build the tests first"
                            + " (mvn test-compile) or fix --classpath");
                }
                out.add(p);
            }
        }
        return out;
    }

    /** A fresh loader over the classpath; parent-first, so the runner's JUnit and bootimage classes win. */
    public URLClassLoader loader() {
        List<URL> urls = new ArrayList<>();
        for (Path p : entries()) {
            try {
                urls.add(p.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new URLClassLoader("bootimage-tests", urls.toArray(URL[]::new), Selection.class.getClassLoader());
    }

    /** The selectors: classes and packages as given, else every directory on the classpath. */
    public List<DiscoverySelector> selectors(ClassLoader loader) {
        List<DiscoverySelector> out = new ArrayList<>();
        classes.forEach(c -> out.add(DiscoverySelectors.selectClass(loader, c)));
        packages.forEach(p -> out.add(DiscoverySelectors.selectPackage(p)));
        if (out.isEmpty()) {
            Set<Path> roots = new LinkedHashSet<>();
            for (Path p : entries()) {
                if (Files.isDirectory(p)) {
                    roots.add(p);
                }
            }
            if (roots.isEmpty()) {
                throw new IllegalArgumentException("Nothing selected: give --class, --package, or a --classpath with a"
                        + " directory of test classes (such as samples/target/test-classes); the bootimage launcher"
                        + " script sets the samples module's test classpath");
            }
            out.addAll(DiscoverySelectors.selectClasspathRoots(roots));
        }
        return out;
    }

    /** Every {@code --class} loads, or an exception names the one that does not and the classpath. */
    void checkClasses(ClassLoader loader) {
        for (String c : classes) {
            try {
                Class.forName(c, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalArgumentException("Test class '" + c + "' is not on the test classpath " + entries()
                        + ": check the name (package included) and --classpath", e);
            }
        }
    }

    /** Closes a loader, reporting (not hiding) a failure. */
    static void close(URLClassLoader l) {
        try {
            l.close();
        } catch (IOException e) {
            System.err.println("bootimage: could not close the test class loader: " + e);
        }
    }
}
