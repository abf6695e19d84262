package io.github.bootimage;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

import io.github.bootimage.junit.BootImageExtension;

/**
 * Runs the annotated tests against a real operating-system image: the image is built with mkosi
 * (or taken from the cache), booted as a systemd-nspawn container or a qemu virtual machine, and a
 * {@link Machine} handle is injected into test and lifecycle method parameters and into fields.
 *
 * <pre>{@code
 * @BootImage(distro = "debian", release = "bookworm", packages = {"systemd", "rpm"})
 * class PackagesTest {
 *     @Test
 *     void systemdIsInstalled(Machine machine) {
 *         ExecResult r = machine.exec("dpkg-query", "-W", "-f=${Version}", "systemd");
 *         assertEquals(0, r.exitCode(), r::toString);
 *     }
 * }
 * }</pre>
 *
 * <p>On a class, one machine is booted for the class and shared by its tests
 * ({@link Lifecycle#PER_CLASS}, the default) or one per test ({@link Lifecycle#PER_METHOD}). On a
 * method, it overrides the class's declaration for that test. On a field of type {@link Machine}
 * (static: one per class; instance: per the lifecycle) or a parameter, it declares that machine.
 * It also works as a meta-annotation, so a project can name its images:
 *
 * <pre>{@code
 * @Retention(RUNTIME) @Target(TYPE)
 * @BootImage(distro = "debian", release = "bookworm")
 * @interface DebianBookworm {}
 * }</pre>
 *
 * <p>Defaults and overrides come from JUnit configuration parameters under {@code bootimage.}
 * ({@code bootimage.cache.dir}, {@code bootimage.boot}, {@code bootimage.transport},
 * {@code bootimage.kvm}, {@code bootimage.timeout.boot}, {@code bootimage.timeout.command}, ...).
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER,
        ElementType.ANNOTATION_TYPE})
@ExtendWith(BootImageExtension.class)
public @interface BootImage {

    /**
     * The distribution, by its mkosi name: debian, ubuntu, fedora, centos, rhel-ubi, arch, opensuse...
     * Empty means Debian for an image described by these attributes, and the configuration's own
     * distribution for an image built from {@link #mkosiConfig()} (where a value that differs from the
     * configuration's is an error).
     */
    String distro() default "";

    /**
     * The release; empty means the distribution's default (for Debian: bookworm; for an RPM distribution: the
     * newest release whose key the host's distribution-gpg-keys holds), or the configuration's own release for
     * {@link #mkosiConfig()} (where a value that differs from it is an error). A release bootimage does not list
     * builds anyway, with a warning.
     */
    String release() default "";

    /**
     * An mkosi configuration directory of one's own, relative to the working directory like
     * {@link #extraTrees()}: {@code "src/test/mkosi/web"}. mkosi builds it as it is ({@code mkosi.conf},
     * {@code mkosi.conf.d/}, {@code mkosi.extra/}, scripts, {@code [Match]}, {@code Include=}), and
     * bootimage adds, beside it and never into it, what booting and its transports need. The other image
     * attributes ({@code packages}, {@code extraTrees}, scripts) add to it; {@code format} must stay at its
     * default (the configuration's {@code Format=} decides). Empty: the image is described by the attributes.
     */
    String mkosiConfig() default "";

    /**
     * Packages to install besides those every bootable guest gets. An entry may be limited to one
     * distribution with a prefix, {@code "debian:apache2"}, {@code "fedora:httpd"}; an entry without
     * a prefix may be a common name that the {@code Distro} registry maps per distribution.
     */
    String[] packages() default {};

    /** How the image boots: {@link Boot#AUTO} picks nspawn when the host can, qemu otherwise. */
    Boot boot() default Boot.AUTO;

    /** How commands reach the guest: {@link Transport#AUTO} is SSH when the image has sshd. */
    Transport transport() default Transport.AUTO;

    /** One machine for the class, or one per test method. */
    Lifecycle lifecycle() default Lifecycle.PER_CLASS;

    /** What mkosi produces: a directory tree or a GPT disk image. */
    ImageFormat format() default ImageFormat.DIRECTORY;

    /**
     * Extra trees copied into the image (mkosi {@code ExtraTrees=}), as paths relative to the
     * working directory (the module's directory under Maven), optionally {@code source:target}.
     */
    String[] extraTrees() default {};

    /** Scripts run inside the image after packages are installed (mkosi {@code PostInstallationScripts=}). */
    String[] postInstallationScripts() default {};

    /** Scripts that build software into the image (mkosi {@code BuildScripts=}). */
    String[] buildScripts() default {};

    /** Packages present only while build scripts run (mkosi {@code BuildPackages=}). */
    String[] buildPackages() default {};

    /**
     * Source directories the build scripts compile (mkosi {@code BuildSources=}), relative to the working
     * directory: {@code "src/test/image/hello"} is mounted as the build scripts' {@code $SRCDIR},
     * {@code "src/test/image/hello:hello"} as {@code $SRCDIR/hello}. Their content is part of the cache key.
     */
    String[] buildSources() default {};

    /**
     * A repository file that replaces the distribution's default repositories for this image, relative to the
     * working directory like {@link #extraTrees()}: a dnf {@code .repo} file for Fedora and the other RPM
     * distributions, an apt {@code .sources} (or {@code .list}) file for Debian and Ubuntu. In a {@code .repo}
     * file, {@code baseurl=file:some/dir} names a repository directory on this host, which bootimage serves on
     * 127.0.0.1 while mkosi runs. Empty keeps the defaults (or {@code bootimage.repositories.<distro>}).
     */
    String repositories() default "";

    /**
     * The machine's network. Empty (the default): isolated, loopback only; ports are reached from the host
     * through {@link Machine#hostPort(int)}. {@code "host"}: the host's network as it is (nspawn) or qemu's
     * user network without restriction, for tests that must reach what the host reaches. Any other name
     * (1 to 15 characters of a-z, 0-9 and '-'): a private network shared with the other machines of the
     * test class that name it, on which they reach each other by host name (see {@link #hostname()}).
     */
    String network() default "";

    /**
     * The machine's host name on a named network; empty means the field's or parameter's name,
     * lower-cased, with characters a host name cannot hold replaced by '-'.
     */
    String hostname() default "";

    /** Boot timeout such as {@code "90s"}, {@code "3m"} or {@code "PT90S"}; empty uses {@code bootimage.timeout.boot}. */
    String bootTimeout() default "";
}
