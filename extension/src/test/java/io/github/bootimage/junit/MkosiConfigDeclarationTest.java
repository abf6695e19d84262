package io.github.bootimage.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;

/** Declaration errors of {@code @BootImage(mkosiConfig = ...)}, through the engine, before mkosi runs. */
class MkosiConfigDeclarationTest {

    @TempDir
    Path cache;

    Events run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture))
                .configurationParameter("bootimage.cache.dir", cache.toString()).execute().allEvents();
    }

    @BootImage(mkosiConfig = "src/test/mkosi/nowhere")
    static class MissingDirectory {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void aMissingDirectoryIsNamedWithWhereItWasLookedFor() {
        Path abs = Path.of("src/test/mkosi/nowhere").toAbsolutePath();
        run(MissingDirectory.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "Invalid @BootImage on class MissingDirectory: @BootImage mkosiConfig 'src/test/mkosi/nowhere' does not"
                        + " exist as a directory (looked at " + abs + "). Paths are relative to the working directory,"
                        + " the module's folder under Maven: create it or fix the path."))));
    }

    @BootImage(mkosiConfig = "src/test/mkosi/no-config")
    static class NoConfiguration {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void aDirectoryWithoutMkosiConfigurationSaysWhatMkosiReads() {
        Path abs = Path.of("src/test/mkosi/no-config").toAbsolutePath();
        run(NoConfiguration.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "Invalid @BootImage on class NoConfiguration: @BootImage mkosiConfig 'src/test/mkosi/no-config' (" + abs
                        + ") holds no mkosi configuration: mkosi reads mkosi.conf and mkosi.conf.d/*.conf there, and it has"
                        + " neither. Add an mkosi.conf (such as '[Distribution]' 'Distribution=debian' 'Release=bookworm')"
                        + " or point mkosiConfig at the directory that has one."))));
    }

    @BootImage(mkosiConfig = "src/test/mkosi/project", extraTrees = "src/test/mkosi/nowhere")
    static class BadAddition {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void theDeclarationsAdditionsAreCheckedBeforeMkosiRuns() {
        run(BadAddition.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(m ->
                m.startsWith("Invalid @BootImage on class BadAddition: @BootImage extraTrees entry 'src/test/mkosi/nowhere'"
                        + " does not exist as a directory")))));
    }

    @BootImage(mkosiConfig = "src/test/mkosi/project", format = io.github.bootimage.ImageFormat.DISK)
    static class FormatBesideProject {
        @Test
        void t(Machine m) {
        }
    }

    @Test
    void theFormatAttributeIsTheConfigurationsToDecide() {
        run(FormatBesideProject.class).assertThatEvents().haveExactly(1, event(finishedWithFailure(message(
                "Invalid @BootImage on class FormatBesideProject: @BootImage format = DISK does not apply to mkosiConfig"
                        + " 'src/test/mkosi/project': the configuration's Format= decides (Format=disk for a disk image"
                        + " booted in qemu). Remove format from the declaration."))));
    }
}
