package io.github.bootimage.runner.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class BenchReportTest {

    private static final String NASTY = "quote \" backslash \\ slash / nl \n cr \r tab \t bs \b ff \f nul \u0000 esc \u001b"
            + " del \u007f ls \u2028 ps \u2029 accents éü cjk 漢字 emoji \uD83D\uDE00 lone \uD800 end";

    @Test
    void jsonIsValidAndExactForAnyText(@TempDir Path dir) throws Exception {
        List<BenchRow> rows = List.of(
                new BenchRow("s", NASTY, 1.5, "ms", NASTY, 2.0, NASTY, true),
                new BenchRow("FAILED: " + NASTY, "m", Double.NaN, "", null, Double.NaN, null, null));
        Path file = dir.resolve("out/bench.json");
        Bench.report(rows, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), file);

        JsonNode tree = JsonMapper.builder().build().readTree(Files.readString(file));
        assertEquals(2, tree.size());
        // Every character comes back, the lone surrogate too (no UTF-8 file can hold it raw: it is written escaped).
        assertEquals(NASTY, tree.get(0).get("metric").asString());
        assertEquals(NASTY, tree.get(0).get("baseline").asString());
        assertEquals(NASTY, tree.get(0).get("target").asString());
        assertEquals(0.75, tree.get(0).get("ratio").asDouble(), 1e-9);
        assertEquals("FAILED: " + NASTY, tree.get(1).get("section").asString());
        assertTrue(tree.get(1).get("value").isNull());
        assertTrue(tree.get(1).get("met").isNull());
    }

    @Test
    void escaperLeavesNoRawControlCharacter() {
        String s = Bench.str(NASTY);
        for (char c : s.toCharArray()) {
            assertFalse(c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029', () -> "raw char " + (int) c + " in " + s);
        }
        assertEquals("\"a\\\"b\\\\c\\u0001\\n\"", Bench.str("a\"b\\c\u0001\n"));
    }

    @Test
    void extraTreeLiesInsideTheBenchRootSoItsRemovalTakesItAlong(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        Path tree = PerformanceBench.extraTree(root);
        Files.writeString(Files.createDirectories(tree.resolve("etc")).resolve("bench-marker"), "x");
        assertTrue(tree.startsWith(root), tree.toString());
        io.github.bootimage.image.ImageCache.deleteTree(root);
        assertFalse(Files.exists(tree));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }
}
