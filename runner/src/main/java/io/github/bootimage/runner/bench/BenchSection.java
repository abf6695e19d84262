package io.github.bootimage.runner.bench;

import java.util.List;

/** A group of benchmark figures; each issue's benchmark is one section, all printed in one table. */
public interface BenchSection {

    /** Short name, selectable with {@code bootimage bench --only NAME}. */
    String name();

    /** Runs the measurements and returns the rows (each with its raw baseline beside it). */
    List<BenchRow> run(BenchContext context) throws Exception;
}
