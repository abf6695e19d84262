package io.github.bootimage.junit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeClassTemplateInvocationCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ModifierSupport;
import org.junit.platform.commons.support.ReflectionSupport;

import io.github.bootimage.BootImage;
import io.github.bootimage.Lifecycle;
import io.github.bootimage.Machine;

/**
 * The JUnit side of {@link BootImage}: declarations on classes, methods, fields and parameters
 * become machines that live in the {@link ExtensionContext.Store} of the class or the test, and are
 * closed by JUnit when that context ends. Activated through {@code @BootImage}; not for direct use.
 */
public final class BootImageExtension implements BeforeAllCallback, BeforeClassTemplateInvocationCallback,
        BeforeEachCallback, ParameterResolver, TestExecutionExceptionHandler {

    static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BootImageExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        if (MatrixSupport.isClassMatrix(testClass) && MatrixSupport.entry(context).isEmpty()) {
            return; // the class template itself: machines come per distribution, in beforeClassTemplateInvocation
        }
        injectFields(context, null, testClass, ModifierSupport::isStatic);
        Optional<BootImage> declared = classDeclaration(context);
        if (declared.isPresent() && declared.get().lifecycle() == Lifecycle.PER_CLASS
                && context.getStore(NAMESPACE).get(classKey(context, classContext(context))) == null
                && !hasNestedParent(context)) {
            // Boot eagerly, so a class whose image cannot boot fails once, in its set-up.
            classMachine(context);
        }
    }

    /** A class matrix invocation: static fields and the class machine of this distribution, booted eagerly. */
    @Override
    public void beforeClassTemplateInvocation(ExtensionContext context) {
        if (MatrixSupport.entry(context).isEmpty()) {
            return;
        }
        injectFields(context, null, context.getRequiredTestClass(), ModifierSupport::isStatic);
        Optional<BootImage> declared = classDeclaration(context);
        if (declared.isPresent() && declared.get().lifecycle() == Lifecycle.PER_CLASS) {
            classMachine(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            injectFields(context, instance, instance.getClass(), ModifierSupport::isNotStatic);
        }
        if (methodMatrix(context) && MatrixSupport.takesPlainMachine(context.getRequiredTestMethod())) {
            // Boot before the test, so an unreachable mirror aborts (skips) it instead of failing its parameter.
            methodMachine(context);
        }
    }

    private void injectFields(ExtensionContext context, Object instance, Class<?> type, Predicate<Field> which) {
        List<Field> fields = AnnotationSupport.findAnnotatedFields(type, BootImage.class, which,
                HierarchyTraversalMode.TOP_DOWN);
        for (Field field : fields) {
            String where = "field [" + field.getDeclaringClass().getSimpleName() + "." + field.getName() + "]";
            if (!Machine.class.equals(field.getType())) {
                throw new ExtensionConfigurationException("@BootImage " + where + " must be of type "
                        + Machine.class.getName() + " but was: " + field.getType().getName());
            }
            if (Modifier.isFinal(field.getModifiers())) {
                throw new ExtensionConfigurationException("@BootImage " + where + " must not be final: remove 'final' so"
                        + " the extension can assign the machine");
            }
            BootImage a = AnnotationSupport.findAnnotation(field, BootImage.class).orElseThrow();
            boolean perMethod = instance != null && (a.lifecycle() == Lifecycle.PER_METHOD || methodMatrix(context));
            ExtensionContext owner = perMethod ? context : classContext(context);
            Machine m = Machines.getOrBoot(owner, MatrixSupport.key(context, "field:" + field.toGenericString()),
                    () -> Networks.attach(context, MatrixSupport.request(context, a, where), field.getName(), where));
            try {
                ReflectionSupport.makeAccessible(field).set(instance, m);
            } catch (IllegalAccessException e) {
                throw new ExtensionConfigurationException("Cannot assign @BootImage " + where + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Parameter p = pc.getParameter();
        if (pc.isAnnotated(BootImage.class) && !Machine.class.equals(p.getType())) {
            throw new ParameterResolutionException("@BootImage parameter [" + p.getName() + "] of "
                    + pc.getDeclaringExecutable().getName() + " must be of type " + Machine.class.getName()
                    + " but was: " + p.getType().getName());
        }
        return Machine.class.equals(p.getType());
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        Optional<BootImage> own = pc.findAnnotation(BootImage.class);
        String method = pc.getDeclaringExecutable().getName();
        if (own.isPresent()) {
            String where = "parameter [" + pc.getParameter().getName() + "] of " + method;
            boolean classLevel = ec.getTestMethod().isEmpty();
            return Machines.getOrBoot(classLevel ? classContext(ec) : ec,
                    MatrixSupport.key(ec, "param:" + pc.getDeclaringExecutable() + "#" + pc.getIndex()),
                    () -> Networks.attach(ec, MatrixSupport.request(ec, own.get(), where),
                            pc.getParameter().isNamePresent() ? pc.getParameter().getName() : null, where));
        }
        Optional<BootImage> onMethod = ec.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, BootImage.class));
        if (onMethod.isPresent() || (methodMatrix(ec) && ec.getTestMethod().isPresent())) {
            return methodMachine(ec);
        }
        if (MatrixSupport.isClassMatrix(ec.getRequiredTestClass()) && MatrixSupport.entry(ec).isEmpty()) {
            throw new ParameterResolutionException("Parameter [" + pc.getParameter().getName() + "] of " + method
                    + " asks for a machine outside the distributions of @DistroMatrix on "
                    + ec.getRequiredTestClass().getSimpleName() + ": @BeforeAll/@AfterAll run once for all of them."
                    + " Take the Machine in @BeforeEach/@AfterEach or in the tests: there it is the distribution's machine.");
        }
        Optional<BootImage> onClass = classDeclaration(ec);
        if (onClass.isEmpty()) {
            throw new ParameterResolutionException("No @BootImage declared for the Machine parameter ["
                    + pc.getParameter().getName() + "] of " + method + ": annotate the class, the method or the"
                    + " parameter with @BootImage(distro = ...)");
        }
        if ((onClass.get().lifecycle() == Lifecycle.PER_METHOD || methodMatrix(ec)) && ec.getTestMethod().isPresent()) {
            return Machines.getOrBoot(ec, MatrixSupport.key(ec, MethodMachineKey.INSTANCE),
                    () -> Networks.attach(ec, MatrixSupport.request(ec, onClass.get(), "class " + ec.getRequiredTestClass().getSimpleName()), null, "class " + ec.getRequiredTestClass().getSimpleName()));
        }
        if (onClass.get().lifecycle() == Lifecycle.PER_METHOD) {
            throw new ParameterResolutionException("Parameter [" + pc.getParameter().getName() + "] of " + method
                    + " asks for the class's machine, but @BootImage(lifecycle = PER_METHOD) boots one per test:"
                    + " there is none before or after all tests. Use @BeforeEach/@AfterEach instead.");
        }
        return classMachine(ec);
    }

    /**
     * A failed test: the console log and journal of every machine it used are saved under
     * {@code target/bootimage/<class>/<test>/} (or {@code bootimage.diagnostics.dir}), and the failure
     * message says where; with {@code bootimage.keep=on-failure} the machines are kept.
     */
    @Override
    public void handleTestExecutionException(ExtensionContext ec, Throwable t) throws Throwable {
        List<ManagedMachine> machines = Machines.inScope(ec);
        if (machines.isEmpty() || t instanceof org.opentest4j.TestAbortedException) {
            throw t;
        }
        java.nio.file.Path dir = Machines.settings(ec).get("diagnostics.dir").map(java.nio.file.Path::of)
                .orElse(java.nio.file.Path.of("target", "bootimage"))
                .resolve(safe(ec.getRequiredTestClass().getName())).resolve(safe(ec.getDisplayName()));
        StringBuilder note = new StringBuilder("\n[bootimage] diagnostics of the failed test:");
        for (ManagedMachine m : machines) {
            m.markFailed();
            note.append("\n  machine ").append(m.machine().name()).append(" (").append(m.machine().info().distro())
                    .append(':').append(m.machine().info().release()).append("): ").append(m.saveDiagnostics(dir));
        }
        if (t instanceof AssertionError) {
            AssertionError decorated = new AssertionError((t.getMessage() == null ? t.toString() : t.getMessage()) + note, t);
            decorated.setStackTrace(t.getStackTrace());
            throw decorated;
        }
        t.addSuppressed(new io.github.bootimage.BootImageException(note.toString().strip()));
        throw t;
    }

    private static String safe(String s) {
        String r = s.replaceAll("[^A-Za-z0-9._-]+", "_");
        return r.length() > 100 ? r.substring(0, 100) : r;
    }

    /** The machine of one test: its method's declaration, else the class's (or a matrix's defaults). */
    private Machine methodMachine(ExtensionContext ec) {
        java.lang.reflect.Method m = ec.getRequiredTestMethod();
        Optional<BootImage> onMethod = AnnotationSupport.findAnnotation(m, BootImage.class);
        BootImage a = onMethod.or(() -> classDeclaration(ec)).orElse(MatrixSupport.DEFAULTS);
        String where = onMethod.isPresent() ? "method " + m.getName() : "class " + ec.getRequiredTestClass().getSimpleName();
        return Machines.getOrBoot(ec, MatrixSupport.key(ec, MethodMachineKey.INSTANCE), () -> Networks.attach(ec, MatrixSupport.request(ec, a, where), null, where));
    }

    private Machine classMachine(ExtensionContext ec) {
        BootImage a = classDeclaration(ec).orElseThrow();
        ExtensionContext owner = classContext(ec);
        return Machines.getOrBoot(owner, classKey(ec, owner),
                () -> Networks.attach(ec, MatrixSupport.request(ec, a, "class " + ec.getRequiredTestClass().getSimpleName()), null,
                        "class " + ec.getRequiredTestClass().getSimpleName()));
    }

    /**
     * The nearest class context that declares @BootImage, whose declaration the class machine follows:
     * nested classes without a declaration of their own share it, a nested class with its own boots its
     * own. Inside a class matrix, never above the matrix invocation, so each distribution gets its own machine.
     */
    private static ExtensionContext classContext(ExtensionContext ec) {
        ExtensionContext c = ec;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        String matrixOwner = MatrixSupport.entry(ec).filter(e -> !e.perTest()).map(MatrixEntry::ownerId).orElse(null);
        ExtensionContext best = c;
        for (ExtensionContext p = c; p.getParent().isPresent() && p.getTestClass().isPresent(); p = p.getParent().get()) {
            boolean isMatrixInvocation = p.getUniqueId().equals(matrixOwner);
            if (isMatrixInvocation || AnnotationSupport.findAnnotation(p.getRequiredTestClass(), BootImage.class).isPresent()) {
                best = p;
                break;
            }
        }
        return best;
    }

    /** Whether this context runs inside a method matrix (one machine per invocation). */
    private static boolean methodMatrix(ExtensionContext ec) {
        return MatrixSupport.entry(ec).map(MatrixEntry::perTest).orElse(false);
    }

    private static boolean hasNestedParent(ExtensionContext ec) {
        return classContext(ec) != ec;
    }

    private static Optional<BootImage> classDeclaration(ExtensionContext ec) {
        for (Optional<ExtensionContext> c = Optional.of(ec); c.isPresent(); c = c.get().getParent()) {
            Optional<Class<?>> t = c.get().getTestClass();
            if (t.isEmpty()) {
                break;
            }
            Optional<BootImage> a = AnnotationSupport.findAnnotation(t.get(), BootImage.class);
            if (a.isPresent()) {
                return a;
            }
        }
        return MatrixSupport.entry(ec).map(e -> MatrixSupport.DEFAULTS);
    }

    /**
     * The class machine's key: per owning class context, since a store also answers with its parents'
     * values (a nested class with its own declaration must not find the outer class's machine).
     */
    private static Object classKey(ExtensionContext ec, ExtensionContext owner) {
        return MatrixSupport.key(ec, java.util.List.of(ClassMachineKey.INSTANCE, owner.getUniqueId()));
    }

    enum ClassMachineKey { INSTANCE }

    enum MethodMachineKey { INSTANCE }
}
