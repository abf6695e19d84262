package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import io.github.bootimage.runner.RunnerSupport.Result;

/**
 * The real runner on real images: a class matrix over debian:bookworm (built or cached, booted in
 * nspawn) and fedora:41 (whose mirror is unreachable here), the printed matrix, JUnit XML, exit
 * codes and shards.
 */
class RunnerMatrixIT {
    private static final String FIXTURE = "io.github.bootimage.runner.fixtures.MatrixFixture";
    private static final String HOST = "io.github.bootimage.runner.fixtures.HostFixture";
    private static final String FEDORA = "The package mirror of fedora (https://mirrors.fedoraproject.org/) cannot be reached from this host";

    @TempDir
    Path reports;

    private Result test(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("test", "--cp", RunnerSupport.testClasses().toString(), "--class", FIXTURE,
                "--class", HOST, "--cache-dir", RunnerSupport.cacheDir().toString(), "--reports", reports.toString()));
        args.addAll(List.of(more));
        return RunnerSupport.run(args.toArray(String[]::new));
    }

    private static Document xml(Path p) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(p.toFile());
    }

    @Test
    void matrixPassesOnBookwormSkipsFedoraAndWritesXmlPerDistribution() throws Exception {
        Result r = test("--unavailable", "skip");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("test                                        | debian:bookworm | fedora:41    | host\n"), r::toString);
        for (String t : List.of("exitCodesPropagate", "failsWhenAsked", "osReleaseNamesTheDistribution")) {
            assertTrue(Pattern.compile("MatrixFixture\\." + t + " +\\| PASS \\d+\\.\\ds +\\| SKIP \\d+\\.\\ds +\\| -\n")
                    .matcher(r.out()).find(), () -> t + "\n" + r);
        }
        assertTrue(r.out().contains("HostFixture.runsOnTheHost                   | -               | -            | PASS"), r::toString);
        assertTrue(r.out().contains("SKIP [fedora:41] MatrixFixture.*: Skipped: " + FEDORA), r::toString);
        assertTrue(r.out().contains("4 passed, 0 failed, 3 skipped on 3 distribution(s)"), r::toString);
        assertTrue(r.err().contains("[debian:bookworm] PASS MatrixFixture.exitCodesPropagate"), "progress lines: " + r);

        Element suite = xml(reports.resolve("debian-bookworm/TEST-junit-jupiter.xml")).getDocumentElement();
        assertEquals("JUnit Jupiter [debian:bookworm]", suite.getAttribute("name"));
        assertEquals("3", suite.getAttribute("tests"));
        assertEquals("0", suite.getAttribute("failures"));
        NodeList cases = suite.getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            assertTrue(((Element) cases.item(i)).getAttribute("name").endsWith("(Machine) [debian:bookworm]"));
        }
        String fedora = Files.readString(reports.resolve("fedora-41/TEST-junit-jupiter.xml"));
        assertTrue(fedora.contains("bootimage.mirror.fedora"), fedora);
        assertTrue(Files.exists(reports.resolve("host/TEST-junit-jupiter.xml")));
    }

    @Test
    void aFailingTestOrAnUnreachableMirrorMakesTheExitCodeNonZero() throws Exception {
        Result r = test("-Dfixture.fail=true", "--parallel", "2");
        assertEquals(1, r.code(), r::toString);
        assertTrue(Pattern.compile("MatrixFixture\\.failsWhenAsked +\\| FAIL \\d+\\.\\ds +\\| FAIL").matcher(r.out()).find(), r::toString);
        assertTrue(Pattern.compile("MatrixFixture\\.exitCodesPropagate +\\| PASS \\d+\\.\\ds +\\| FAIL").matcher(r.out()).find(), r::toString);
        assertTrue(r.out().contains("FAIL [debian:bookworm] MatrixFixture.failsWhenAsked: asked to fail with -Dfixture.fail=true"), r::toString);
        assertTrue(r.out().contains("FAIL [fedora:41] MatrixFixture.*: " + FEDORA + ": "), r::toString);
        assertTrue(r.out().contains(". Set bootimage.mirror.fedora to a mirror that answers"), r::toString);
        Matcher fedoraTime = Pattern.compile("\\[fedora:41\\] FAIL MatrixFixture\\.\\* \\((\\d+\\.\\d)s\\)").matcher(r.err());
        assertTrue(fedoraTime.find(), r::toString);
        assertTrue(Double.parseDouble(fedoraTime.group(1)) < 10, "the unreachable mirror must fail in seconds: " + r);
        assertTrue(r.out().contains("3 passed, 4 failed, 0 skipped"), r::toString);
    }

    @Test
    void buildPrebuildsTheImagesOfTheSelectedTestsAndFailsFastOnAnUnreachableMirror() throws Exception {
        Result r = RunnerSupport.run("build", "--tests", "--cp", RunnerSupport.testClasses().toString(), "--class", FIXTURE,
                "--cache-dir", RunnerSupport.cacheDir().toString());
        assertEquals(1, r.code(), r::toString);
        assertTrue(Pattern.compile("\\[1/2\\] image debian:bookworm: (found locally|built in \\d+ s) \\(debian-bookworm-[0-9a-f]{12}\\)\n")
                .matcher(r.out()).find(), r::toString);
        assertTrue(r.out().contains("[2/2] FAILED fedora:41: " + FEDORA), r::toString);
        assertTrue(r.out().endsWith("1 image(s) ready, 1 failed; cache " + RunnerSupport.cacheDir().toAbsolutePath().normalize() + "\n"), r::toString);
        assertTrue(r.millis() < 120_000 || r.out().contains("built in"), "a cached bookworm and an unreachable fedora take seconds: " + r);
    }

    @Test
    void shardsSplitTheCellsAndTheirXmlMergesWithoutClashes() throws Exception {
        Result one = test("--distro", "fedora:41", "--distro", "arch", "--unavailable", "skip", "--shard", "1/2");
        Result two = test("--distro", "fedora:41", "--distro", "arch", "--unavailable", "skip", "--shard", "2/2");
        assertEquals(0, one.code(), one::toString);
        assertEquals(0, two.code(), two::toString);
        assertTrue(one.err().contains("bootimage: 3 cell(s) (distribution x class), shard 1/2, 2 to run on [arch:rolling, host]"), one::toString);
        assertTrue(two.err().contains("bootimage: 3 cell(s) (distribution x class), shard 2/2, 1 to run on [fedora:41]"), two::toString);
        List<Path> files;
        try (Stream<Path> s = Files.walk(reports)) {
            files = s.filter(p -> p.toString().endsWith(".xml")).sorted().toList();
        }
        assertEquals(List.of("arch-rolling.shard-1-of-2", "fedora-41.shard-2-of-2", "host.shard-1-of-2"),
                files.stream().map(p -> p.getParent().getFileName().toString()).toList());
        Set<String> names = new HashSet<>();
        for (Path f : files) {
            NodeList cases = xml(f).getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                String id = c.getAttribute("classname") + "#" + c.getAttribute("name");
                assertTrue(names.add(id), "two shards reported " + id);
            }
        }
        assertEquals(3, names.size(), names::toString);
    }
}
