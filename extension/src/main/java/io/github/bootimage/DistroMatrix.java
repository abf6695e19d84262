package io.github.bootimage;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.ClassTemplate;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.bootimage.junit.BootImageExtension;
import io.github.bootimage.junit.DistroMatrixExtension;

/**
 * Runs the annotated class, or method, once per distribution. Each entry is {@code distro} or
 * {@code distro:release}; it replaces the distribution and release of every {@link BootImage}
 * declaration the class (or method) makes, which keeps its packages, trees and other attributes.
 * Without any {@code @BootImage}, a matrix class or method boots the distribution's default image.
 *
 * <pre>{@code
 * @DistroMatrix({"debian:bookworm", "debian:trixie", "fedora:41"})
 * @BootImage(packages = {"debian:apache2", "fedora:httpd", "curl"})
 * class WebServerTest {
 *     @Test
 *     void serves(Machine machine) { ... }   // runs three times: [debian:bookworm], [debian:trixie], [fedora:41]
 * }
 * }</pre>
 *
 * <p>On a class it makes a JUnit class template (the whole class, with its lifecycle methods, runs
 * once per entry, and one machine is booted per entry); on a method it makes a test template (do
 * not add {@code @Test}). Display names show the entry. The configuration parameter
 * {@code bootimage.distros} (comma separated, e.g. {@code -Dbootimage.distros=debian:trixie})
 * replaces the list of every matrix for a run; the {@code bootimage test --distro} option sets it.
 * An entry whose mirror cannot be reached fails with a message that names the mirror and
 * {@code bootimage.mirror.<distro>}, or is skipped with that reason when
 * {@code bootimage.unavailable=skip}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ClassTemplate
@TestTemplate
@ExtendWith(DistroMatrixExtension.class)
@ExtendWith(BootImageExtension.class)
public @interface DistroMatrix {

    /** The distributions: {@code "debian:bookworm"}, {@code "fedora:41"}, or just {@code "debian"} for its default release. */
    String[] value();
}
