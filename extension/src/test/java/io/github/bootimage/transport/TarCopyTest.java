package io.github.bootimage.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/** The host side of console copies: tar through the process runner, its stderr in the error. */
class TarCopyTest {
    @TempDir
    Path dir;

    @Test
    void aRoundTripKeepsTheBytes() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("f"), "content");
        byte[] tar = TarCopy.hostTar(List.of("tar", "-C", dir.toString(), "-cf", "-", "src"), null);
        Path out = Files.createDirectories(dir.resolve("out"));
        TarCopy.hostTar(List.of("tar", "-C", out.toString(), "-xpf", "-"), tar);
        assertArrayEquals("content".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(out.resolve("src/f")));
    }

    @Test
    void aTarThatCannotRunSaysSo() {
        IOException e = assertThrows(IOException.class, () -> TarCopy.hostTar(List.of("no-such-tar-bootimage", "-x"), null));
        assertTrue(e.getMessage().startsWith("the host's no-such-tar-bootimage -x could not run: "), e.getMessage());
    }

    @Test
    void aFailingTarSaysWhatTarSaid() {
        IOException e = assertThrows(IOException.class, () -> TarCopy.hostTar(
                List.of("tar", "-C", dir.toString(), "-xpf", "-"), "not an archive".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("the host's tar -C " + dir + " -xpf - exited with code 2: "), e.getMessage());
        assertTrue(e.getMessage().contains("This does not look like a tar archive"), e.getMessage());
    }
}
