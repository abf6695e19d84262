package io.github.bootimage.transport;

import java.util.Map;
import java.util.regex.Pattern;

import io.github.bootimage.ExecRequest;

/** Renders an {@link ExecRequest} as one POSIX shell command that passes every argument exactly. */
final class ShellCommand {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private ShellCommand() {
    }

    /** Single-quotes a string for sh: every byte but the quote itself is literal inside. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** {@code cd -- DIR || exit 125; export K=V; exec [runuser -u USER --] ARGV...} */
    public static String render(ExecRequest r) {
        StringBuilder b = new StringBuilder();
        if (r.workdir() != null) {
            b.append("cd -- ").append(quote(r.workdir())).append(" || exit 125; ");
        }
        for (Map.Entry<String, String> e : r.env().entrySet()) {
            if (!NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("ExecRequest environment variable name '" + e.getKey()
                        + "' is not valid: use letters, digits and underscores, not starting with a digit");
            }
            b.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append("; ");
        }
        b.append("exec");
        if (r.user() != null && !r.user().equals("root")) {
            b.append(" runuser -u ").append(quote(r.user())).append(" --");
        }
        for (String a : r.argv()) {
            b.append(' ').append(quote(a));
        }
        return b.toString();
    }
}
