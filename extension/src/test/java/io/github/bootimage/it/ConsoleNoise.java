package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;

/**
 * What a command returns is exact whatever else writes to the guest's console: a writer at full
 * speed, one at 20 lines a second (as a unit with {@code StandardOutput=console} does), and in a VM
 * kernel messages; the noise imitates the agent's own frame lines. Subclasses say which backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ConsoleNoise {
    static final String SEQ_3000 = seq(3000);
    static final String SEQ_200000 = seq(200_000);
    static final String FAST = "while :; do echo '@@BI-BEGIN 1'; echo O:aGVsbG8K; echo 69473; echo '@@BI-END 1 0 ok 6 1 0 4'; done";
    static final String SLOW = "while :; do echo '169474 slow console writer'; sleep 0.05; done";

    static String seq(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            b.append(i).append('\n');
        }
        return b.toString();
    }

    /** The bytes as printf's octal escapes. */
    static String octal(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            b.append(String.format("\\%03o", x & 0xff));
        }
        return b.toString();
    }

    static byte[] reversed(byte[] bytes) {
        byte[] r = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            r[i] = bytes[bytes.length - 1 - i];
        }
        return r;
    }

    /** The writers beside the commands; a subclass adds its own. */
    List<String> writers() {
        return List.of(FAST, SLOW);
    }

    @BeforeAll
    void startWriters(Machine machine) {
        List<String> w = writers();
        for (int i = 0; i < w.size(); i++) {
            machine.succeed("systemd-run", "--unit=bootimage-noise-" + i, "--quiet", "sh", "-c", w.get(i) + " >/dev/console");
        }
        // Noise is on the console before the first command.
        machine.waitUntilSucceeds(Duration.ofSeconds(30), "sh", "-c", "test \"$(systemctl is-active bootimage-noise-1)\" = active");
    }

    @AfterAll
    void stopWriters(Machine machine) {
        for (int i = 0; i < writers().size(); i++) {
            machine.exec("systemctl", "stop", "bootimage-noise-" + i);
        }
    }

    @Test
    void aHundredCommandsOf3000LinesAndAHundredOf1_3MegabytesAreExact(Machine machine) {
        for (int i = 0; i < 100; i++) {
            ExecResult small = machine.exec("sh", "-c", "seq 1 3000; seq 1 3000 >&2");
            assertEquals(0, small.exitCode(), "command " + i);
            assertEquals(SEQ_3000, small.stdout(), "stdout of command " + i);
            assertEquals(SEQ_3000, small.stderr(), "stderr of command " + i);
            ExecResult big = machine.exec("seq", "1", "200000");
            assertEquals(0, big.exitCode(), "command " + i);
            assertEquals(SEQ_200000, big.stdout(), "stdout of command " + i);
            assertEquals("", big.stderr(), "stderr of command " + i);
        }
    }

    @Test
    void everyByteValueIsExact(Machine machine) {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(all, machine.exec(ExecRequest.of("cat").withStdin(all)).stdoutBytes(), "through stdin");
            ExecResult made = machine.exec("sh", "-c", "printf \"$1\"; printf \"$2\" >&2", "sh", octal(all), octal(reversed(all)));
            assertArrayEquals(all, made.stdoutBytes(), "made in the guest");
            assertArrayEquals(reversed(all), made.stderrBytes(), "stderr made in the guest");
        }
    }

    @Test
    void theConsoleLogHasTheWritersLinesAndNoneOfTheAgentsFrames(Machine machine) {
        machine.succeed("sleep", "0.5");
        String log = machine.consoleLog();
        assertTrue(log.contains("169474 slow console writer"), "the console log lost the guest's own lines");
        assertFalse(log.contains("@@BI-READY"), "the agent's frames are in the console log");
    }

    @Test
    void filesCopyExactly(Machine machine, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        byte[] data = new byte[3_000_000];
        new java.util.Random(7).nextBytes(data);
        java.nio.file.Path src = dir.resolve("data.bin");
        java.nio.file.Files.write(src, data);
        machine.copyTo(src, "/root/data.bin");
        machine.copyFrom("/root/data.bin", dir.resolve("back.bin"));
        assertArrayEquals(data, java.nio.file.Files.readAllBytes(dir.resolve("back.bin")));
    }
}
