package io.github.bootimage.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.CommandFailedException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.boot.GuestProcess;

/**
 * Frames that arrive with other bytes than the agent sent are errors, never results: a fake agent
 * under a pseudo-terminal answers with broken frames on purpose, and then with a good one.
 */
class FrameCheckTest {
    static final Duration T = Duration.ofSeconds(10);

    /** Answers by the command's name: each "bad*" command gets a frame broken in one way. */
    static final String FAKE_AGENT = """
            printf 'root@fake:~# '
            read -r bootstrap
            stty raw -echo
            printf '\\n@@BI-READY 1\\n'
            ok() { printf '@@BI-BEGIN %s\\nO:%s\\nE:\\n@@BI-END %s 0 ok %s %s 0 4294967295\\n' "$1" "$2" "$1" "$4" "$3"; }
            while read -r id t c i; do
              case "$c" in
                *badcrc*) ok "$id" aGVsbG8K 1234 6 ;;
                *badlength*) ok "$id" aGVsbG8K $(printf 'hello\\n' | cksum | cut -d' ' -f1) 7 ;;
                *splitline*) printf '@@BI-BEGIN %s\\nO:aGVsbG8g\\n12345\\nd29ybGQK\\nE:\\n@@BI-END %s 0 ok 12 %s 0 4294967295\\n' \\
                                "$id" "$id" $(printf 'hello world\\n' | cksum | cut -d' ' -f1) ;;
                *fragment*) printf '@@BI-BEGIN %s\\nO:aGVsbG8gd29y69473bGQK\\nE:\\n@@BI-END %s 0 ok 12 %s 0 4294967295\\n' \\
                                "$id" "$id" $(printf 'hello world\\n' | cksum | cut -d' ' -f1) ;;
                *badstdin*) printf '@@BI-BEGIN %s\nO:\nE:\n@@BI-END %s 0 badinput 0 4294967295 0 4294967295\n' "$id" "$id" ;;
                *notbase64*) printf '@@BI-BEGIN %s\\nO:aGVsbG8K!!\\nE:\\n@@BI-END %s 0 ok 6 1 0 4294967295\\n' "$id" "$id" ;;
                *) ok "$id" aGVsbG8K $(printf 'hello\\n' | cksum | cut -d' ' -f1) 6 ;;
              esac
            done
            """;

    @TempDir
    static Path dir;
    static GuestProcess process;
    static ConsoleTransport console;

    @BeforeAll
    static void start() throws Exception {
        Path script = dir.resolve("fake-agent.sh");
        Files.writeString(script, FAKE_AGENT);
        process = GuestProcess.start(List.of("bash", "--norc", "--noprofile", script.toString()), true, "fake-agent",
                System.getenv("PATH"));
        console = new ConsoleTransport("fake", process.output(), process.input(), process::isAlive, process::exitDescription);
        console.awaitReady(T);
    }

    @AfterAll
    static void stop() {
        console.close();
        process.stop(() -> process.process().destroy(), 2000);
    }

    private static String brokenFrame(String command, String arrived) {
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> console.exec(ExecRequest.of(command), T));
        String m = e.getMessage();
        assertTrue(m.startsWith("Command [" + command + "] on machine fake (console): its answer arrived with other bytes"
                + " than the guest sent, so no result is given."), m);
        assertTrue(m.contains(arrived), m);
        assertTrue(m.contains("the machine stays usable"), m);
        assertTrue(m.contains("Console tail:"), m);
        ExecResult next = console.exec(ExecRequest.of("good"), T);
        assertEquals("hello\n", next.stdout(), "the next command must work");
        return m;
    }

    @Test
    void aChecksumThatDoesNotMatchIsAnError() {
        brokenFrame("badcrc", "The agent sent stdout of 6 bytes with cksum 1234; 6 bytes with cksum ");
    }

    @Test
    void aLengthThatDoesNotMatchIsAnError() {
        brokenFrame("badlength", "stdout of 7 bytes");
    }

    @Test
    void aLineSplitByAnotherWriterIsAnErrorAndTheStrayLinesGoToTheConsoleLog() {
        brokenFrame("splitline", "The agent sent stdout of 12 bytes with cksum");
        assertTrue(console.consoleLog().contains("12345\nd29ybGQK\n"), console.consoleLog());
    }

    @Test
    void aFragmentInsideALineIsAnError() {
        brokenFrame("fragment", "stdout of 12 bytes");
    }

    @Test
    void textThatIsNotBase64IsAnError() {
        brokenFrame("notbase64", "its base64 did not decode");
    }

    @Test
    void stdinThatArrivedWithOtherBytesIsAnErrorAndTheCommandDidNotRun() {
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> console.exec(ExecRequest.of("badstdin").withStdin("data"), T));
        assertEquals("Command [badstdin] on machine fake (console) was not run: its stdin (4 bytes, cksum "
                + Cksum.of("data".getBytes(StandardCharsets.UTF_8)) + ") arrived in the guest with other bytes. The machine"
                + " stays usable. Console tail:", e.getMessage().substring(0, e.getMessage().indexOf("Console tail:") + 13));
        assertEquals("hello\n", console.exec(ExecRequest.of("good"), T).stdout());
    }

    @Test
    void theHostsChecksumIsPosixCksum() throws Exception {
        for (String s : List.of("", "a", "hello\n", "x".repeat(70_000))) {
            Process p = new ProcessBuilder("cksum").start();
            p.getOutputStream().write(s.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            assertEquals(0, p.waitFor());
            assertEquals(out, Cksum.of(s.getBytes(StandardCharsets.UTF_8)) + " " + s.length());
        }
    }
}
