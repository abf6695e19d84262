package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.runner.MatrixResults.Outcome;
import io.github.bootimage.runner.MatrixResults.Status;

class MatrixReportTest {

    @Test
    void printsOneRowPerTestAndOneColumnPerDistributionWithReasons() {
        List<Outcome> o = List.of(
                new Outcome("debian:bookworm", "WebTest.serves", Status.PASS, Duration.ofMillis(1234), ""),
                new Outcome("debian:bookworm", "WebTest.logs", Status.FAIL, Duration.ofMillis(50), "expected: <0> but was: <1>"),
                new Outcome("fedora:41", "WebTest.*", Status.SKIP, Duration.ZERO, "The package mirror of fedora ... unreachable"));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int failed = MatrixReport.print(o, List.of("fedora:41", "debian:bookworm"), new PrintStream(b, true, StandardCharsets.UTF_8));
        assertEquals(1, failed);
        assertEquals("""
                test           | debian:bookworm | fedora:41
                --------------------------------------------
                WebTest.logs   | FAIL 0.1s       | SKIP 0.0s
                WebTest.serves | PASS 1.2s       | SKIP 0.0s

                FAIL [debian:bookworm] WebTest.logs: expected: <0> but was: <1>
                SKIP [fedora:41] WebTest.*: The package mirror of fedora ... unreachable
                1 passed, 1 failed, 2 skipped on 2 distribution(s)
                """, b.toString(StandardCharsets.UTF_8));
    }

    @Test
    void xmlSuitesAndCasesAreTaggedWithTheDistribution(@TempDir Path dir) throws Exception {
        Path xml = dir.resolve("TEST-junit-jupiter.xml");
        Files.writeString(xml, "<testsuite name=\"JUnit Jupiter\" tests=\"1\">\n<testcase name=\"t()\" classname=\"A\"/>\n</testsuite>\n");
        TestCommand.nameSuites(dir, "debian:trixie");
        assertEquals("<testsuite name=\"JUnit Jupiter [debian:trixie]\" tests=\"1\">\n<testcase name=\"t() [debian:trixie]\""
                + " classname=\"A\"/>\n</testsuite>\n", Files.readString(xml));
    }
}
