package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import io.github.bootimage.ImageBuildException;
import io.github.bootimage.runtime.Settings;

/** Repository files: what counts as a usable and a signed repository, local directories, and the errors. */
class RepositoryFileTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private Path localRepo() throws Exception {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve("repodata"));
        Files.writeString(repo.resolve("repodata/repomd.xml"), "<repomd/>\n");
        Files.writeString(repo.resolve("KEY"), "-----BEGIN PGP PUBLIC KEY BLOCK-----\nx\n-----END PGP PUBLIC KEY BLOCK-----\n");
        return repo;
    }

    @Test
    void aRepoFileWithNoUsableRepositoryIsRefusedWithAnExample() throws Exception {
        Path f = file("empty.repo", "[main]\ngpgcheck=1\n\n[off]\nname=off\nbaseurl=http://example.invalid/\nenabled=0\n\n[nourl]\nname=x\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RepositoryFile.read(f, Distro.of("fedora")));
        assertEquals("The repository file " + f + " has no usable repository for fedora: no enabled section ([name]) with"
                + " baseurl=, mirrorlist= or metalink=. Add one, such as '[local]',"
                + " 'baseurl=http://mirror.example/fedora/41/x86_64/os/', 'gpgcheck=1', 'gpgkey=file:///path/to/RPM-GPG-KEY',"
                + " or set enabled=1 on the one there.", e.getMessage());
    }

    @Test
    void anAptSourcesFileWithNoUsableStanzaIsRefused() throws Exception {
        Path f = file("x.sources", "Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RepositoryFile.read(f, Distro.of("debian")));
        assertTrue(e.getMessage().startsWith("The repository file " + f + " has no usable repository for debian: no enabled"
                + " deb822 stanza with 'Types: deb' and 'URIs:'"), e.getMessage());
        Path ok = file("ok.sources", "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n"
                + "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
        assertEquals(1, RepositoryFile.read(ok, Distro.of("debian")).requireSigned(false).repos().size());
    }

    @Test
    void anUnsignedRepositoryNeedsTheExplicitOptOut() throws Exception {
        Path f = file("plain.repo", "[plain]\nname=plain\nbaseurl=http://127.0.0.1:9/repo/\n");
        RepositoryFile r = RepositoryFile.read(f, Distro.of("fedora"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.requireSigned(false));
        assertEquals("The repository 'plain' in " + f + " is unsigned: its packages are not checked against a key (it needs"
                + " gpgcheck=1 and a gpgkey=). Sign it and name its key (gpgcheck=1, gpgkey=file:///path/to/KEY or an http(s)"
                + " URL), or, to build from it unverified, set bootimage.repositories.unsigned=allow.", e.getMessage());
        assertEquals(r, r.requireSigned(true));
        Path trusted = file("t.list", "deb [trusted=yes] http://127.0.0.1:9/debian bookworm main\n");
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> RepositoryFile.read(trusted, Distro.of("debian")).requireSigned(false));
        assertTrue(t.getMessage().contains("is unsigned: it is marked trusted, so apt does not check its signature. Sign it and"
                + " name its key (Signed-By:), or, to build from it unverified, set bootimage.repositories.unsigned=allow."), t.getMessage());
    }

    @Test
    void theOptOutIsASettingWithTwoValues() {
        assertFalse(new Settings(k -> Optional.empty()).allowUnsignedRepositories());
        assertTrue(new Settings(k -> Optional.of("allow").filter(v -> k.endsWith("repositories.unsigned"))).allowUnsignedRepositories());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Settings(k -> Optional.of("yes")).allowUnsignedRepositories());
        assertTrue(e.getMessage().contains("repositories.unsigned"), e.getMessage());
    }

    @Test
    void aLocalDirectoryBecomesAPlaceholderAndItsKeyAFileOfTheTree() throws Exception {
        Path repo = localRepo();
        Path f = file("local.repo", "[local]\nname=local\nbaseurl=file://" + repo + "\ngpgcheck=1\ngpgkey=file://" + repo.resolve("KEY") + "\n");
        RepositoryFile r = RepositoryFile.read(f, Distro.of("fedora"));
        assertEquals(List.of(repo), r.localDirectories());
        Map<String, String> tree = r.treeFiles("etc/yum.repos.d/mkosi.repo");
        String text = tree.get("etc/yum.repos.d/mkosi.repo");
        assertTrue(text.contains("\nbaseurl=http://127.0.0.1:@BOOTIMAGE_LOCAL_0@/\n"), text);
        assertTrue(text.contains("\ngpgkey=file:///etc/pki/rpm-gpg/bootimage-0-KEY\n"), text);
        assertTrue(text.startsWith("# bootimage serves a directory of this host here while mkosi runs; its repodata/repomd.xml has SHA-256 "), text);
        assertTrue(tree.get("etc/pki/rpm-gpg/bootimage-0-KEY").startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
        assertFalse(text.contains(repo.toString()), "the key covers the content, not where it lies: " + text);
    }

    @Test
    void theCacheKeyFollowsTheRepositorysContentNotItsPort() throws Exception {
        Path repo = localRepo();
        Path f = file("local.repo", "[local]\nname=local\nbaseurl=file://" + repo + "\ngpgcheck=1\ngpgkey=file://" + repo.resolve("KEY") + "\n");
        ImageSpec spec = ImageSpec.of("fedora", "41").withRepositories(f);
        MkosiVersion v = new MkosiVersion(24, "24.3");
        String before = MkosiConfig.of(spec, v).key();
        assertEquals(before, MkosiConfig.of(spec, v).key());
        Files.writeString(repo.resolve("repodata/repomd.xml"), "<repomd revision='2'/>\n");
        assertFalse(before.equals(MkosiConfig.of(spec, v).key()), "new metadata, new image");
    }

    @Test
    void aLocalDirectoryWithoutMetadataIsRefused() throws Exception {
        Path f = file("local.repo", "[local]\nname=local\nbaseurl=file:" + dir.resolve("nothing") + "\ngpgcheck=1\ngpgkey=https://k/\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MkosiConfig.of(ImageSpec.of("fedora", "41").withRepositories(f), new MkosiVersion(24, "24.3")));
        assertEquals("The repository file " + f + " names the local directory " + dir.resolve("nothing") + ", which has no"
                + " repodata/repomd.xml: make the repository there first (createrepo_c " + dir.resolve("nothing")
                + "; scripts/make-rpm-repo.sh makes the project's), or fix baseurl=.", e.getMessage());
    }

    @Test
    void aRepositoryAnswering404ForItsMetadataFailsBeforeMkosiRuns() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/fedora/$releasever/";
            Path f = file("web.repo", "[web]\nname=web\nbaseurl=" + base + "\ngpgcheck=1\ngpgkey=" + base + "KEY\n");
            ImageSpec spec = ImageSpec.of("fedora", "41").withRepositories(f);
            ImageBuildException e = assertThrows(ImageBuildException.class, () -> new MirrorCheck(Duration.ofSeconds(5)).check(spec));
            assertEquals("The repository 'web' in " + f + " answers HTTP 404 for its metadata http://127.0.0.1:"
                    + server.getAddress().getPort() + "/fedora/41/repodata/repomd.xml: baseurl= must name the directory that"
                    + " holds repodata/ (createrepo_c makes it). Fix baseurl= in " + f + ", or the server.", e.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aServedDirectoryAnswersOnLoopbackUntilClosed() throws Exception {
        Path repo = localRepo();
        Path f = file("local.repo", "[local]\nname=local\nbaseurl=file://" + repo + "\ngpgcheck=1\ngpgkey=file://" + repo.resolve("KEY") + "\n");
        ImageSpec spec = ImageSpec.of("fedora", "41").withRepositories(f);
        Path config = dir.resolve("config");
        MkosiConfig.of(spec, new MkosiVersion(24, "24.3")).writeTo(config);
        int port;
        try (LocalRepositoryServer s = LocalRepositoryServer.serve(spec, config)) {
            port = s.ports().get(0);
            String text = Files.readString(config.resolve("pkgmngr/etc/yum.repos.d/mkosi.repo"));
            assertTrue(text.contains("\nbaseurl=http://127.0.0.1:" + port + "/\n"), text);
            assertEquals("", new MirrorCheck(Duration.ofSeconds(5)).probe("http://127.0.0.1:" + port + "/repodata/repomd.xml"));
            var client = java.net.http.HttpClient.newHttpClient();
            var body = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                    + "/repodata/repomd.xml")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals("<repomd/>\n", body.body());
            assertEquals(404, client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                    + "/../../etc/passwd")).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        assertFalse(new MirrorCheck(Duration.ofSeconds(2)).probe("http://127.0.0.1:" + port + "/").isEmpty(), "stopped");
    }
}
