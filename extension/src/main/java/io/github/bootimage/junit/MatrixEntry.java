package io.github.bootimage.junit;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import io.github.bootimage.image.Distro;

/**
 * One entry of a distribution matrix, as the invocation that runs it sees it.
 *
 * @param distro    the distribution's mkosi name
 * @param release   its release (the default one resolved)
 * @param ownerId   the unique id of the invocation's extension context (class-template or
 *                  test-template invocation): machines of the entry live there
 * @param perTest   true for a method matrix (test template), false for a class matrix
 */
record MatrixEntry(String distro, String release, String ownerId, boolean perTest) {

    /** The store key under which an invocation keeps its entry. */
    enum Key { INSTANCE }

    /** {@code debian:bookworm}. */
    String label() {
        return distro + ":" + release;
    }

    MatrixEntry withOwner(String id, boolean test) {
        return new MatrixEntry(distro, release, id, test);
    }

    /**
     * The entries of a matrix: the configuration parameter {@code bootimage.distros} when set, else
     * the annotation's list; each one validated.
     *
     * @param where the annotated element, for messages
     */
    static List<MatrixEntry> parse(String[] declared, Optional<String> override, String where) {
        List<String> raw = new ArrayList<>();
        String source;
        if (override.isPresent() && !override.get().isBlank()) {
            source = "bootimage.distros = '" + override.get() + "'";
            for (String s : override.get().split("[,\\s]+")) {
                if (!s.isBlank()) {
                    raw.add(s.strip());
                }
            }
        } else {
            source = "@DistroMatrix on " + where;
            raw.addAll(List.of(declared));
        }
        if (raw.isEmpty()) {
            throw new ExtensionConfigurationException(source + " lists no distribution: give at least one,"
                    + " such as \"debian:bookworm\"");
        }
        Set<MatrixEntry> out = new LinkedHashSet<>();
        for (String s : raw) {
            out.add(parseOne(s, source));
        }
        return List.copyOf(out);
    }

    private static MatrixEntry parseOne(String entry, String source) {
        if (entry == null || entry.isBlank()) {
            throw new ExtensionConfigurationException(source + " has an empty entry: write distro or distro:release,"
                    + " such as \"debian:bookworm\"");
        }
        String s = entry.strip();
        int colon = s.indexOf(':');
        String d = colon < 0 ? s : s.substring(0, colon);
        String r = colon < 0 ? "" : s.substring(colon + 1);
        try {
            Distro distro = Distro.of(d);
            return new MatrixEntry(distro.name(), distro.release(r), null, false);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException("Invalid entry '" + entry + "' in " + source + ": "
                    + e.getMessage(), e);
        }
    }
}
