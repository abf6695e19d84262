package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extension as a library: a tiny project outside this reactor, with its own pom.xml, depends on
 * the {@code bootimage-extension} artifact by its coordinates, published (jar and pom, under a
 * version of this run's own) to a file repository the project names, and its test boots a machine.
 * Its Maven takes everything else from the local repository this build filled, so it needs no
 * network.
 */
class ConsumerProjectIT {

    private static final String VERSION = System.getProperty("bootimage.it.version", "0.1.0-SNAPSHOT");

    @Test
    void aProjectOutsideTheReactorDependsOnThePublishedArtifactAndBootsAMachine(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target", "bootimage-extension-" + VERSION + ".jar");
        assertTrue(Files.isRegularFile(jar), "the extension's jar is built before the image tier: " + jar.toAbsolutePath());
        // A release version of its own, published to a file repository the way a release is: the consumer
        // resolves it by its coordinates, like any artifact from Maven Central.
        String version = "0.0.0-consumer-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path repo = dir.resolve("repo");
        publish(repo, "bootimage-parent", version, Path.of("..", "pom.xml"), null);
        publish(repo, "bootimage-extension", version, Path.of("pom.xml"), jar);
        Path local = Path.of(System.getProperty("bootimage.it.m2",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));

        Path project = Files.createDirectories(dir.resolve("consumer"));
        Files.writeString(project.resolve("pom.xml"), pom(version, repo));
        Path test = Files.createDirectories(project.resolve("src/test/java/com/example"));
        Files.writeString(test.resolve("HelloMachineTest.java"), """
                package com.example;

                import static org.junit.jupiter.api.Assertions.assertEquals;

                import java.nio.file.Files;
                import java.nio.file.Path;

                import org.junit.jupiter.api.Test;

                import io.github.bootimage.BootImage;
                import io.github.bootimage.Machine;

                @BootImage(distro = "debian", release = "bookworm")
                class HelloMachineTest {
                    @Test
                    void runsACommandInTheGuest(Machine machine) throws Exception {
                        assertEquals("hello from the guest\\n", machine.succeed("echo", "hello from the guest"));
                        Files.writeString(Path.of("target", "guest-codename"), machine.osRelease().get("VERSION_CODENAME"));
                    }
                }
                """);

        // Everything else (JUnit, sshj, the plugins) comes from the local repository this build filled.
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-Dmaven.repo.local=" + local, "test",
                // The image cache this run uses, so the consumer's machine boots an image built here already.
                "-Dbootimage.cache.dir=" + ImageTier.factory().cache().root()));
        Path log = dir.resolve("mvn.log");
        Process mvn = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            assertTrue(mvn.waitFor(15, TimeUnit.MINUTES), "the consumer's build did not end within 15 minutes");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, mvn.exitValue(), out);
            assertTrue(out.contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0"), out);
            assertEquals("bookworm", Files.readString(project.resolve("target/guest-codename")).strip(), out);
            assertTrue(Files.isRegularFile(local.resolve("io/github/bootimage/bootimage-extension/" + version + "/bootimage-extension-"
                    + version + ".jar")), "the artifact was resolved from the file repository by its coordinates");
        } finally {
            mvn.destroyForcibly();
            // The consumer's Maven copied this run's own version into the local repository: remove it.
            for (String a : List.of("bootimage-parent", "bootimage-extension")) {
                Path d = local.resolve("io/github/bootimage/" + a + "/" + version);
                if (Files.exists(d)) {
                    io.github.bootimage.image.ImageCache.deleteTree(d);
                }
            }
        }
    }

    /** A release in a repository's layout: the pom (with this version) and the jar. */
    private static void publish(Path repo, String artifactId, String version, Path pom, Path jar) throws IOException {
        Path d = Files.createDirectories(repo.resolve("io/github/bootimage/" + artifactId + "/" + version));
        String text = Files.readString(pom).replace("<version>" + VERSION + "</version>", "<version>" + version + "</version>");
        Files.writeString(d.resolve(artifactId + "-" + version + ".pom"), text);
        if (jar != null) {
            Files.copy(jar, d.resolve(artifactId + "-" + version + ".jar"));
        }
    }

    private static String pom(String version, Path repo) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>consumer</artifactId>
                  <version>1.0</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <repositories>
                    <repository>
                      <id>bootimage-release</id>
                      <url>%s</url>
                    </repository>
                  </repositories>
                  <dependencies>
                    <dependency>
                      <groupId>io.github.bootimage</groupId>
                      <artifactId>bootimage-extension</artifactId>
                      <version>%s</version>
                      <scope>test</scope>
                    </dependency>
                    <dependency>
                      <groupId>org.junit.jupiter</groupId>
                      <artifactId>junit-jupiter</artifactId>
                      <version>%s</version>
                      <scope>test</scope>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>3.3.1</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.13.0</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-surefire-plugin</artifactId>
                        <version>3.5.2</version>
                        <configuration>
                          <systemPropertyVariables>
                            <bootimage.cache.dir>${bootimage.cache.dir}</bootimage.cache.dir>
                          </systemPropertyVariables>
                        </configuration>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(repo.toUri(), version, System.getProperty("bootimage.it.junit", "6.0.1"));
    }
}
