package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.bootimage.image.Distro;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MkosiConfig;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;

/**
 * The host's mkosi accepts the configuration bootimage generates for every registered distribution, at its
 * default release: {@code mkosi summary} parses and checks it all without touching the network.
 */
class MkosiAcceptsEveryDistributionIT {
    static Stream<String> distributions() {
        return Distro.all().stream().map(Distro::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("distributions")
    void mkosiSummaryAcceptsTheGeneratedConfiguration(String name, @TempDir Path dir) throws Exception {
        ProcessRunner runner = new ProcessRunner(HostTools.fromEnvironment(null, true));
        MkosiVersion version = MkosiVersion.detect(runner);
        Distro d = Distro.of(name);
        // The VM configuration (kernel, SSH server, extra trees, kernel command line) of every distribution; the
        // container one (Bootable=no) for the walk-through's rhel-ubi. One mkosi call each: they take seconds.
        List<ImageSpec> specs = name.equals("rhel-ubi")
                ? List.of(ImageSpec.of(name, "").withPackages("bash", "coreutils", "util-linux", "systemd", "rpm"),
                        ImageSpec.of(name, "").withKernel(true).withSsh(true))
                : List.of(ImageSpec.of(name, "").withPackages("bash", "rpm").withKernel(true).withSsh(true));
        for (ImageSpec spec : specs) {
            Path config = dir.resolve(spec.kernel() ? "vm" : "container");
            MkosiConfig.of(spec, version).writeTo(config);
            ProcessRunner.Result r = runner.run(List.of("mkosi", "--directory", config.toString(), "summary"), config,
                    Duration.ofSeconds(60), 400, line -> { });
            assertEquals(0, r.exitCode(), () -> "mkosi summary refused the configuration of " + spec.label() + ":\n" + r.output());
            assertTrue(r.output().matches("(?s).*Distribution: +" + Distro.of(name).name().replace("-", "[-_]?") + ".*"), r::output);
            assertTrue(r.output().matches("(?s).*Release: +" + d.defaultRelease() + "\\b.*"), r::output);
        }
    }
}
