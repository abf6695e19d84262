package io.github.bootimage.image;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.bootimage.BootImageException;
import io.github.bootimage.process.ProcessRunner;

/**
 * The mkosi version: configuration keys differ across versions (mkosi 24 reads
 * {@code PackageManagerTrees=}, mkosi 25 calls it {@code SandboxTrees=}).
 *
 * @param major major version
 * @param text  the full version string
 */
public record MkosiVersion(int major, String text) {
    private static final Pattern VERSION = Pattern.compile("mkosi\\s+(\\d+)(\\S*)");

    /** The oldest mkosi bootimage supports. */
    public static final int MINIMUM = 24;

    /** Parses {@code mkosi --version} output. */
    public static MkosiVersion parse(String output) {
        Matcher m = VERSION.matcher(output);
        if (!m.find()) {
            throw new BootImageException("Could not read mkosi's version from 'mkosi --version', which printed: "
                    + output.strip());
        }
        return new MkosiVersion(Integer.parseInt(m.group(1)), m.group(1) + m.group(2));
    }

    /** Asks the installed mkosi for its version, and rejects one older than {@link #MINIMUM}. */
    public static MkosiVersion detect(ProcessRunner runner) {
        runner.tools().require("mkosi", "to build images");
        try {
            ProcessRunner.Result r = runner.run(List.of("mkosi", "--version"), Duration.ofSeconds(30));
            MkosiVersion v = parse(r.output());
            if (v.major < MINIMUM) {
                throw new BootImageException("mkosi " + v.text + " is too old: bootimage needs mkosi " + MINIMUM
                        + " or newer. On Debian 12 install it from bookworm-backports (scripts/setup-host.sh does).");
            }
            return v;
        } catch (IOException e) {
            throw new BootImageException("Could not run 'mkosi --version': " + e.getMessage(), e);
        }
    }

    /** The key of the tree that configures the package manager used during the build. */
    public String packageManagerTreesKey() {
        return major >= 25 ? "SandboxTrees" : "PackageManagerTrees";
    }

    /** The section that key lives in. */
    public String packageManagerTreesSection() {
        return major >= 25 ? "Build" : "Distribution";
    }
}
