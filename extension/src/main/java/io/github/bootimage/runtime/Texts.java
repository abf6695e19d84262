package io.github.bootimage.runtime;

/** Formatting of command output for messages: head and tail of long text. */
public final class Texts {
    public static final int HEAD_LINES = 20;
    public static final int TAIL_LINES = 40;

    private Texts() {
    }

    public static String section(String name, String text) {
        if (text == null || text.isEmpty()) {
            return "\n" + name + ": (empty)";
        }
        return "\n" + name + ":\n" + headAndTail(text, HEAD_LINES, TAIL_LINES);
    }

    /** The first and last lines of a text, with a count of what was left out between them. */
    public static String headAndTail(String text, int head, int tail) {
        String[] lines = text.split("\n", -1);
        if (lines.length <= head + tail) {
            return indent(String.join("\n", lines));
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < head; i++) {
            b.append(lines[i]).append('\n');
        }
        b.append("... (").append(lines.length - head - tail).append(" lines left out) ...\n");
        for (int i = lines.length - tail; i < lines.length; i++) {
            b.append(lines[i]).append(i + 1 < lines.length ? "\n" : "");
        }
        return indent(b.toString());
    }

    private static String indent(String s) {
        return "  " + s.replace("\n", "\n  ");
    }
}
