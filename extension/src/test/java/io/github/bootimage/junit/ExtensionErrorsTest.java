package io.github.bootimage.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

import io.github.bootimage.BootImage;
import io.github.bootimage.BootImageException;
import io.github.bootimage.Machine;

/** The extension's declaration errors, run through the real Jupiter engine with fixture classes. */
class ExtensionErrorsTest {

    @TempDir
    Path cache;

    Events run(Class<?> fixture, String... config) {
        var kit = EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture))
                .configurationParameter("bootimage.cache.dir", cache.toString());
        for (int i = 0; i + 1 < config.length; i += 2) {
            kit = kit.configurationParameter(config[i], config[i + 1]);
        }
        return kit.execute().allEvents();
    }

    @BootImage(distro = "slackware")
    static class UnknownDistro {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void unknownDistroListsTheKnownOnes() {
        run(UnknownDistro.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "Invalid @BootImage on class UnknownDistro: Unknown distribution 'slackware'. Known distributions: debian,"
                        + " ubuntu, fedora, centos, rhel-ubi, rhel, alma, rocky, arch, opensuse"))));
    }

    static class WrongFieldType {
        @BootImage
        String vm;

        @Test
        void t() {
        }
    }

    @Test
    void fieldOfTheWrongType() {
        run(WrongFieldType.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "@BootImage field [WrongFieldType.vm] must be of type io.github.bootimage.Machine but was: java.lang.String"))));
    }

    static class FinalField {
        @BootImage
        static final Machine VM = null;

        @Test
        void t() {
        }
    }

    @Test
    void finalField() {
        run(FinalField.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "@BootImage field [FinalField.VM] must not be final: remove 'final' so the extension can assign the machine"))));
    }

    @BootImage(packages = {"curl", ""})
    static class EmptyPackage {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void emptyPackageEntryNamesTheClass() {
        run(EmptyPackage.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "Invalid @BootImage on class EmptyPackage: @BootImage packages entry #2 is empty: remove it or name a package"))));
    }

    @BootImage(bootTimeout = "soon")
    static class BadTimeout {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void badBootTimeout() {
        run(BadTimeout.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "Invalid @BootImage on class BadTimeout: bootimage.@BootImage bootTimeout = 'soon' is not valid: use a duration"
                        + " such as 90s, 3m, 500ms or PT90S"))));
    }

    /** The extension is active (through @ExtendWith, as a field's @BootImage would make it), but nothing declares the parameter's image. */
    @org.junit.jupiter.api.extension.ExtendWith(BootImageExtension.class)
    static class NoDeclaration {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void machineParameterWithoutDeclaration() {
        run(NoDeclaration.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(m -> m.startsWith(
                "No @BootImage declared for the Machine parameter [m] of t: annotate the class, the method or the parameter")))));
    }

    @Retention(RetentionPolicy.RUNTIME)
    @Target(java.lang.annotation.ElementType.TYPE)
    @BootImage(distro = "debian", release = "bookworm")
    @interface DebianBookworm {
    }

    @DebianBookworm
    static class MetaAnnotated {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void metaAnnotationIsHonouredAndAMissingMkosiNamesItsPackage(@TempDir Path emptyBin) {
        run(MetaAnnotated.class, "bootimage.path", emptyBin.toString(), "bootimage.path.inherit", "false",
                "bootimage.boot", "nspawn")
                .assertThatEvents().haveExactly(1, event(finishedWithFailure(instanceOf(BootImageException.class), message(
                        "'mkosi' is not installed (not found on PATH), but it is needed to build images. Install the Debian"
                                + " package 'mkosi' (on Debian 12 from bookworm-backports), or run scripts/setup-host.sh as root,"
                                + " which installs every host tool bootimage uses."))));
    }

    @BootImage
    static class BadSetting {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void badConfigurationParameterNamesKeyAndValues() {
        run(BadSetting.class, "bootimage.boot", "docker").assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "bootimage.boot = 'docker' is not valid: use auto, nspawn, qemu"))));
    }

    static class BadNetworkName {
        @BootImage(network = "My LAN")
        static Machine server;

        @Test
        void t() {
        }
    }

    @Test
    void aNetworkNameThatCannotNameALinkNamesTheFieldAndTheFix() {
        run(BadNetworkName.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "Invalid @BootImage on field [BadNetworkName.server]: network = \"My LAN\" cannot name a network: it"
                        + " names the machine's link to it and must be 1 to 15 characters of a-z, 0-9 and '-', starting"
                        + " with a letter and not ending with '-' (and not \"lo\"). Use a name such as \"my-lan\";"
                        + " \"host\" shares the host's network and \"\" (the default) isolates the machine."))));
    }

    static class HostnameWithoutNetwork {
        @BootImage(hostname = "db")
        static Machine server;

        @Test
        void t() {
        }
    }

    @Test
    void aHostNameWithoutANamedNetworkIsRefused() {
        run(HostnameWithoutNetwork.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "Invalid @BootImage on field [HostnameWithoutNetwork.server]: hostname = \"db\" names a machine on a"
                        + " named network, but network = \"\" joins none. Add network = \"lan\" (any name shared by the"
                        + " machines that must reach each other), or remove hostname."))));
    }
}
