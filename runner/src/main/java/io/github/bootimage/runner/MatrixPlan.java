package io.github.bootimage.runner;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.image.Distro;

/**
 * The matrix of a run: one cell per (distribution, top-level test class), in a stable order, so
 * {@code --shard i/n} gives every CI job the same split. A class matrix contributes one cell per
 * distribution; a class with a fixed {@code @BootImage} one cell under its own distribution; a class
 * with method matrices both; a class with no class-level declaration goes in the {@value #HOST} column.
 */
public final class MatrixPlan {
    /** The column of classes that declare no class-level image. */
    public static final String HOST = "host";
    /** The column of classes that build their own mkosi project, whose distribution the project decides. */
    public static final String MKOSI = "mkosi-config";

    /**
     * One cell.
     *
     * @param distro the column: {@code debian:bookworm} or {@value #HOST}
     * @param type   the test class
     */
    public record Cell(String distro, Class<?> type) {
    }

    /**
     * What a class runs under.
     *
     * @param home        the column of its non-matrix tests
     * @param matrix      the columns of its matrix (empty when none)
     * @param classMatrix whether the whole class is a matrix
     */
    public record ClassInfo(String home, List<String> matrix, boolean classMatrix) {
    }

    private final List<Cell> cells;
    private final Map<Class<?>, ClassInfo> info;

    private MatrixPlan(List<Cell> cells, Map<Class<?>, ClassInfo> info) {
        this.cells = cells;
        this.info = info;
    }

    /**
     * @param distros the {@code --distro} list (replaces every matrix's list), or empty
     */
    public static MatrixPlan of(TestPlan plan, List<String> distros) {
        List<String> override = distros.stream().map(MatrixPlan::label).toList();
        Map<Class<?>, ClassInfo> info = new TreeMap<>(Comparator.comparing(Class::getName));
        for (TestIdentifier root : plan.getRoots()) {
            for (TestIdentifier top : plan.getChildren(root)) {
                Optional<Class<?>> c = top.getSource().filter(ClassSource.class::isInstance)
                        .map(s -> ((ClassSource) s).getJavaClass());
                c.ifPresent(type -> info.put(type, classInfo(type, override)));
            }
        }
        List<Cell> cells = new ArrayList<>();
        info.forEach((type, ci) -> {
            Set<String> cols = new LinkedHashSet<>(ci.matrix());
            if (!ci.classMatrix()) {
                cols.add(ci.home());
            }
            cols.forEach(d -> cells.add(new Cell(d, type)));
        });
        cells.sort(Comparator.comparing(Cell::distro).thenComparing(c -> c.type().getName()));
        return new MatrixPlan(List.copyOf(cells), info);
    }

    static ClassInfo classInfo(Class<?> type, List<String> override) {
        Optional<BootImage> declared = AnnotationSupport.findAnnotation(type, BootImage.class);
        String home = declared.map(a -> !a.mkosiConfig().isBlank() && a.distro().isBlank() ? MKOSI
                : label((a.distro().isBlank() ? "debian" : a.distro()) + ":" + a.release())).orElse(HOST);
        Optional<DistroMatrix> onClass = AnnotationSupport.findAnnotation(type, DistroMatrix.class);
        Set<String> matrix = new LinkedHashSet<>();
        if (onClass.isPresent()) {
            matrix.addAll(override.isEmpty() ? labels(onClass.get().value()) : override);
        }
        List<Method> methods = ReflectionSupport.findMethods(type,
                m -> AnnotationSupport.isAnnotated(m, DistroMatrix.class), HierarchyTraversalMode.TOP_DOWN);
        for (Method m : methods) {
            matrix.addAll(override.isEmpty() ? labels(m.getAnnotation(DistroMatrix.class).value()) : override);
        }
        return new ClassInfo(home, List.copyOf(matrix), onClass.isPresent());
    }

    /** {@code fedora} becomes {@code fedora:41}; an unknown name or release fails naming it. */
    public static String label(String entry) {
        String s = entry.strip();
        int colon = s.indexOf(':');
        Distro d = Distro.of(colon < 0 ? s : s.substring(0, colon));
        return d.name() + ":" + d.release(colon < 0 ? "" : s.substring(colon + 1));
    }

    private static List<String> labels(String[] entries) {
        return java.util.Arrays.stream(entries).map(MatrixPlan::label).toList();
    }

    public List<Cell> cells() {
        return cells;
    }

    public ClassInfo info(Class<?> type) {
        return info.get(type);
    }

    /**
     * The cells of shard {@code index} (1-based) of {@code count}: every count-th cell of the
     * stable order, starting at the index-th.
     */
    public List<Cell> shard(int index, int count) {
        List<Cell> out = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            if (i % count == index - 1) {
                out.add(cells.get(i));
            }
        }
        return out;
    }

    /** Cells grouped by column, in order. */
    public static Map<String, List<Class<?>>> byDistro(List<Cell> cells) {
        Map<String, List<Class<?>>> out = new TreeMap<>();
        for (Cell c : cells) {
            out.computeIfAbsent(c.distro(), k -> new ArrayList<>()).add(c.type());
        }
        return out;
    }
}
