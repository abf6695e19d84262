package io.github.bootimage.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Marks cache entries as in use by running machines, across JVMs: a shared lock on
 * {@code <cache>/.locks/<entry>.use} is held while any machine booted from the entry runs, so
 * {@code bootimage prune} (which takes the lock exclusively, without waiting) never removes it.
 * Within one JVM the lock is counted, since Java file locks belong to the whole JVM.
 */
public final class EntryUse implements AutoCloseable {
    private static final Map<Path, Held> HELD = new HashMap<>();

    private final Path entry;
    private boolean closed;

    private EntryUse(Path entry) {
        this.entry = entry;
    }

    private record Held(FileChannel channel, FileLock lock, int count) {
    }

    /** The lock file of an entry. */
    public static Path lockFile(Path entry) {
        return entry.getParent().resolve(".locks").resolve(entry.getFileName() + ".use");
    }

    /** Marks the entry in use until {@link #close()}; blocks while a prune is removing it. */
    public static EntryUse acquire(Path entry) {
        Path e = entry.toAbsolutePath().normalize();
        synchronized (HELD) {
            Held h = HELD.get(e);
            if (h == null) {
                try {
                    Files.createDirectories(lockFile(e).getParent());
                    FileChannel ch = FileChannel.open(lockFile(e), StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE);
                    try {
                        h = new Held(ch, ch.lock(0, Long.MAX_VALUE, true), 0);
                    } catch (IOException | RuntimeException ex) {
                        ch.close();
                        throw ex;
                    }
                } catch (IOException ex) {
                    throw new UncheckedIOException("Could not mark the image " + e + " as in use (lock file "
                            + lockFile(e) + "): " + ex.getMessage(), ex);
                }
            }
            HELD.put(e, new Held(h.channel(), h.lock(), h.count() + 1));
        }
        return new EntryUse(e);
    }

    /**
     * Runs {@code action} with the entry locked exclusively, if no machine (in this JVM or another)
     * uses it; returns false without running it when one does.
     */
    public static boolean ifUnused(Path entry, Runnable action) {
        Path e = entry.toAbsolutePath().normalize();
        synchronized (HELD) {
            if (HELD.containsKey(e)) {
                return false;
            }
            if (!Files.isDirectory(lockFile(e).getParent())) {
                action.run();
                return true;
            }
            try (FileChannel ch = FileChannel.open(lockFile(e), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock;
                try {
                    lock = ch.tryLock(0, Long.MAX_VALUE, false);
                } catch (OverlappingFileLockException ex) {
                    return false;
                }
                if (lock == null) {
                    return false;
                }
                try (lock) {
                    action.run();
                }
            } catch (IOException ex) {
                throw new UncheckedIOException("Could not check whether " + e + " is in use: " + ex.getMessage(), ex);
            }
            return true;
        }
    }

    /** Whether a machine (in this JVM or another) uses the entry now. */
    public static boolean inUse(Path entry) {
        return !ifUnused(entry, () -> { });
    }

    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            Held h = HELD.get(entry);
            if (h == null) {
                return;
            }
            if (h.count() > 1) {
                HELD.put(entry, new Held(h.channel(), h.lock(), h.count() - 1));
                return;
            }
            HELD.remove(entry);
            try {
                h.lock().release();
                h.channel().close();
            } catch (IOException ex) {
                throw new UncheckedIOException("Could not release the in-use lock of " + entry + ": " + ex.getMessage(), ex);
            }
        }
    }
}
