package io.github.bootimage.transport;

/**
 * What a guest's console showed outside command frames: complete lines, bounded in size, plus the
 * line still being written (where a login prompt shows). Thread-safe.
 */
final class ConsoleLog {
    private static final int LIMIT = 512 * 1024;

    private final StringBuilder lines = new StringBuilder();
    private final StringBuilder partial = new StringBuilder();

    synchronized void appendLine(String l) {
        lines.append(l).append('\n');
        if (lines.length() > LIMIT) {
            lines.delete(0, lines.length() - LIMIT / 2);
        }
    }

    synchronized void setPartial(String p) {
        partial.setLength(0);
        partial.append(p);
    }

    synchronized String partial() {
        return partial.toString();
    }

    /** Everything so far. */
    synchronized String text() {
        return lines.toString() + partial;
    }

    /** The last lines, each marked with "  | ". */
    String tail(int count) {
        String[] all = text().split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = Math.max(0, all.length - count); i < all.length; i++) {
            b.append("  | ").append(all[i]).append('\n');
        }
        return b.toString();
    }
}
