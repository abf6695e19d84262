package io.github.bootimage.image;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Recognises, in a failed build's output, packages that no repository has, and says so in one line. */
final class MissingPackage {
    private static final List<Pattern> PATTERNS = List.of(
            Pattern.compile("No match for argument: (\\S+)"),                 // dnf 4 and 5
            Pattern.compile("E: Unable to locate package (\\S+)"),             // apt
            Pattern.compile("No provider of '([^']+)' found"),                // zypper
            Pattern.compile("error: target not found: (\\S+)"));              // pacman

    private MissingPackage() {
    }

    /** The sentence that names the missing packages, where they were looked for and the fix, if the output shows any. */
    static Optional<String> explain(ImageSpec spec, List<String> lines) {
        Set<String> missing = new LinkedHashSet<>();
        for (String l : lines) {
            for (Pattern p : PATTERNS) {
                Matcher m = p.matcher(l);
                if (m.find()) {
                    missing.add(m.group(1));
                }
            }
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        String where = spec.repositories() != null ? "the repository file " + spec.repositories()
                : spec.mirror() != null ? "the mirror " + spec.mirror() : "the default repositories";
        String one = missing.size() == 1 ? "Package '" + missing.iterator().next() + "' is" : "Packages '" + String.join("', '", missing) + "' are";
        return Optional.of(one + " not in " + where + " of " + spec.label() + ": check the name in @BootImage packages"
                + " (a 'distro:name' entry limits one to a distribution), or add a repository that has it"
                + " (@BootImage repositories, bootimage.repositories." + spec.distro().name() + ").");
    }
}
