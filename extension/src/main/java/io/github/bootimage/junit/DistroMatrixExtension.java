package io.github.bootimage.junit;

import java.lang.reflect.AnnotatedElement;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.ClassTemplateInvocationContext;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContextProvider;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;

import io.github.bootimage.DistroMatrix;

/**
 * Turns {@link DistroMatrix} into one class-template or test-template invocation per
 * distribution. Each invocation records its {@link MatrixEntry} in its own store, where
 * {@link MatrixSupport} finds it. Activated through {@code @DistroMatrix}; not for direct use.
 */
public final class DistroMatrixExtension implements ClassTemplateInvocationContextProvider,
        TestTemplateInvocationContextProvider {

    /** The configuration parameter that replaces every matrix's list for a run. */
    public static final String DISTROS = "bootimage.distros";

    @Override
    public boolean supportsClassTemplate(ExtensionContext context) {
        return context.getTestClass().map(c -> AnnotationSupport.isAnnotated(c, DistroMatrix.class)).orElse(false);
    }

    @Override
    public Stream<ClassTemplateInvocationContext> provideClassTemplateInvocationContexts(ExtensionContext context) {
        Class<?> c = context.getRequiredTestClass();
        return entries(c, "class " + c.getName(), context).stream().map(e -> new ClassTemplateInvocationContext() {
            @Override
            public String getDisplayName(int index) {
                return "[" + e.label() + "]";
            }

            @Override
            public void prepareInvocation(ExtensionContext invocation) {
                record(invocation, e.withOwner(invocation.getUniqueId(), false));
            }
        });
    }

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> AnnotationSupport.isAnnotated(m, DistroMatrix.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        var m = context.getRequiredTestMethod();
        return entries(m, "method " + m.getDeclaringClass().getSimpleName() + "." + m.getName(), context).stream()
                .map(e -> new TestTemplateInvocationContext() {
                    @Override
                    public String getDisplayName(int index) {
                        return "[" + e.label() + "]";
                    }

                    @Override
                    public void prepareInvocation(ExtensionContext invocation) {
                        record(invocation, e.withOwner(invocation.getUniqueId(), true));
                    }
                });
    }

    private static List<MatrixEntry> entries(AnnotatedElement element, String where, ExtensionContext context) {
        DistroMatrix m = AnnotationSupport.findAnnotation(element, DistroMatrix.class).orElseThrow();
        return MatrixEntry.parse(m.value(), context.getConfigurationParameter(DISTROS), where);
    }

    private static void record(ExtensionContext invocation, MatrixEntry e) {
        invocation.getStore(BootImageExtension.NAMESPACE).put(MatrixEntry.Key.INSTANCE, e);
    }
}
