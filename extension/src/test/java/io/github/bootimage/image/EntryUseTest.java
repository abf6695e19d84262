package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntryUseTest {
    @TempDir
    Path cache;

    @Test
    void anEntryInUseIsNotHandedToPruneUntilEveryUserClosed() throws Exception {
        Path entry = Files.createDirectories(cache.resolve("debian-bookworm-0123456789ab"));
        assertFalse(EntryUse.inUse(entry));
        AtomicBoolean ran = new AtomicBoolean();
        try (EntryUse a = EntryUse.acquire(entry); EntryUse b = EntryUse.acquire(entry)) {
            assertTrue(EntryUse.inUse(entry));
            a.close();
            assertTrue(EntryUse.inUse(entry), "still used by the second machine");
            assertFalse(EntryUse.ifUnused(entry, () -> ran.set(true)));
            assertFalse(ran.get());
        }
        assertFalse(EntryUse.inUse(entry));
        assertTrue(EntryUse.ifUnused(entry, () -> ran.set(true)));
        assertTrue(ran.get());
        assertTrue(Files.exists(EntryUse.lockFile(entry)));
    }
}
