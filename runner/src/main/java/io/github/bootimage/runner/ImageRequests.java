package io.github.bootimage.runner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.platform.commons.support.AnnotationSupport;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.RemoteCache;
import io.github.bootimage.image.UserMkosiProject;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;

/** Image requests from specs and test classes, and building them with progress. */
final class ImageRequests {
    private ImageRequests() {
    }

    @BootImage
    private static final class Defaults {
    }

    private static final BootImage DEFAULTS = Defaults.class.getAnnotation(BootImage.class);

    /** The class-level image of a test class on a distribution, if the class declares one (or is a matrix). */
    static Optional<MachineRequest> forClass(Class<?> type, String label) {
        Optional<BootImage> a = AnnotationSupport.findAnnotation(type, BootImage.class);
        boolean matrix = AnnotationSupport.isAnnotated(type, io.github.bootimage.DistroMatrix.class);
        if (a.isEmpty() && !matrix) {
            return Optional.empty();
        }
        if (!matrix && !a.get().mkosiConfig().isBlank()) {
            // the project's own distribution and release, whatever the column is called
            return Optional.of(io.github.bootimage.runtime.Declarations.request(a.get(), type.getSimpleName()));
        }
        return Optional.of(of(a.orElse(DEFAULTS), label, type.getSimpleName()));
    }

    /**
     * A request for an mkosi project directory from the command line, with a {@code distro[:release]}
     * that overrides the configuration's (like a matrix entry), or null for the configuration's own.
     */
    static MachineRequest project(String dir, String label, List<String> packages, Boot boot, Transport transport) {
        // Checked here first, so its message names the option the user gave.
        UserMkosiProject.at(java.nio.file.Path.of("").toAbsolutePath(), dir, "--mkosi-config");
        return project(projectDeclaration(dir, packages, boot, transport), label);
    }

    private static MachineRequest project(BootImage a, String label) {
        if (label == null) {
            return io.github.bootimage.runtime.Declarations.request(a, "bootimage command line");
        }
        String[] dr = MatrixPlan.label(label).split(":", 2);
        return io.github.bootimage.runtime.Declarations.request(a, dr[0], dr[1], "bootimage command line");
    }

    private static BootImage projectDeclaration(String dir, List<String> packages, Boot boot, Transport transport) {
        return new BootImage() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return BootImage.class;
            }

            @Override
            public String distro() {
                return "";
            }

            @Override
            public String release() {
                return "";
            }

            @Override
            public String mkosiConfig() {
                return dir;
            }

            @Override
            public String repositories() {
                return "";
            }

            @Override
            public String[] packages() {
                return packages.toArray(String[]::new);
            }

            @Override
            public Boot boot() {
                return boot;
            }

            @Override
            public Transport transport() {
                return transport;
            }

            @Override
            public io.github.bootimage.Lifecycle lifecycle() {
                return DEFAULTS.lifecycle();
            }

            @Override
            public io.github.bootimage.ImageFormat format() {
                return DEFAULTS.format();
            }

            @Override
            public String[] extraTrees() {
                return new String[0];
            }

            @Override
            public String network() {
                return DEFAULTS.network();
            }

            @Override
            public String hostname() {
                return DEFAULTS.hostname();
            }

            @Override
            public String[] postInstallationScripts() {
                return new String[0];
            }

            @Override
            public String[] buildScripts() {
                return new String[0];
            }

            @Override
            public String[] buildPackages() {
                return new String[0];
            }

            @Override
            public String[] buildSources() {
                return new String[0];
            }

            @Override
            public String bootTimeout() {
                return "";
            }
        };
    }

    /** A request for {@code distro:release} with the declaration's other attributes. */
    static MachineRequest of(BootImage a, String label, String owner) {
        String[] dr = MatrixPlan.label(label).split(":", 2);
        return io.github.bootimage.runtime.Declarations.request(a, dr[0], dr[1], owner);
    }

    /** A request from the command line: {@code debian:bookworm} plus packages. */
    static MachineRequest of(String label, List<String> packages, Boot boot, Transport transport) {
        String[] dr = MatrixPlan.label(label).split(":", 2);
        ImageSpec spec = ImageSpec.of(dr[0], dr[1]).withPackages(packages.toArray(String[]::new));
        return new MachineRequest(spec, boot, transport, null, "bootimage command line");
    }

    /**
     * Builds (or finds) the image of a request, printing where it stands every 10 s while mkosi runs.
     *
     * @return the image
     */
    static Image build(BootImageRuntime f, MachineRequest unresolved, String prefix, PrintStream out) {
        MachineRequest r = f.resolve(unresolved);
        Boot boot = f.chooseBoot(r.boot(), r.spec());
        Transport t = r.transport() == Transport.AUTO ? f.settings().transport() : r.transport();
        ImageSpec spec = f.effectiveSpec(r.spec(), boot, t);
        Path entry = f.entryOf(r);
        String what = r.label() + (spec.packages().isEmpty() ? "" : " +" + String.join(",", spec.packages()))
                + (spec.kernel() ? " +kernel" : "") + (spec.ssh() ? " +ssh" : "");
        if (ImageCache.isComplete(entry)) {
            Image image = f.image(r);
            if (f.cache().origin(image).orElse(ImageCache.Origin.LOCAL) == ImageCache.Origin.LOCAL) {
                say(out, prefix + "image " + what + ": found locally (" + entry.getFileName() + ")");
                return image;
            }
            say(out, prefix + "image " + what + ": " + outcome(f, image, 0)); // older than bootimage.cache.maxAge
            return image;
        }
        RemoteCache remote = f.cache().remote();
        say(out, prefix + "image " + what + ": not in the local cache; "
                + (remote == RemoteCache.NONE ? "building with mkosi ..." : "asking " + remote.describe() + ", else building with mkosi ..."));
        long t0 = System.nanoTime();
        Thread ticker = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(10_000);
                    say(out, prefix + "image " + what + ": working, " + (System.nanoTime() - t0) / 1_000_000_000 + " s"
                            + lastLogLine(f.cache().root(), entry.getFileName().toString()).map(l -> " | " + l).orElse(""));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bootimage-build-progress");
        ticker.setDaemon(true);
        ticker.start();
        try {
            Image image = f.image(r);
            say(out, prefix + "image " + what + ": " + outcome(f, image, t0));
            return image;
        } finally {
            ticker.interrupt();
        }
    }

    /** "pulled from URL in N s", "built in N s and pushed to URL", "built in N s (...)". */
    static String outcome(BootImageRuntime f, Image image, long t0) {
        long s = t0 == 0 ? 0 : (System.nanoTime() - t0) / 1_000_000_000;
        String in = t0 == 0 ? "" : " in " + s + " s";
        RemoteCache remote = f.cache().remote();
        return switch (f.cache().origin(image).orElse(ImageCache.Origin.BUILT)) {
            case LOCAL -> "found locally (" + image.name() + ")";
            case PULLED -> "pulled from " + remote.describe() + in + " (" + image.name() + ")";
            case BUILT_AND_PUSHED -> "built" + in + " and pushed to " + remote.describe() + " (" + image.name() + ")";
            case BUILT -> "built" + in + " (" + image.name() + ")"
                    + (remote == RemoteCache.NONE ? "" : "; not pushed to " + remote.describe() + ": see the warning above");
        };
    }

    /** The last line of the running build's log (mkosi writes into {@code .tmp/<entry>-*}). */
    private static Optional<String> lastLogLine(Path root, String entry) {
        try (Stream<Path> s = Files.list(root.resolve(".tmp"))) {
            Optional<Path> dir = s.filter(p -> p.getFileName().toString().startsWith(entry + "-"))
                    .max(Comparator.comparing(p -> p.toFile().lastModified()));
            if (dir.isEmpty() || !Files.isRegularFile(dir.get().resolve("build.log"))) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(dir.get().resolve("build.log"), java.nio.charset.StandardCharsets.ISO_8859_1);
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i).strip();
                if (!l.isEmpty()) {
                    return Optional.of(MatrixReport.shorten(l, 100));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    static void say(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
        }
    }
}
