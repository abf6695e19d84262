package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.github.bootimage.image.Architecture;
import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.HostCapabilities;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageBuilder;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.image.remote.ImageArtifact;
import io.github.bootimage.image.remote.LocalRegistry;
import io.github.bootimage.image.remote.RegistryCache;
import io.github.bootimage.image.remote.RemoteSettings;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.Settings;

/**
 * The shared image cache against Debian's docker-registry on 127.0.0.1: one registry with TLS (a
 * certificate made here) and htpasswd authentication, one plain HTTP registry, both stopped at the
 * end. Images are debian:bookworm with a small extra tree of the test's, so after the first build of
 * the run (shared with the other image-tier classes through the package and incremental caches) a
 * build takes seconds. Each "machine" is an image cache directory of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteCacheIT {
    static final String USER = "ci";
    static final String PASSWORD = "s3cret-" + UUID.randomUUID();
    static final String REPO = "bootimage/images";

    static Path work;
    static LocalRegistry secured;
    static Path tree;
    static ImageSpec spec;
    static MkosiVersion mkosi;

    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger builds = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(HostCapabilities.isRoot(), "directory images and their owners need root");
        // Beside the run's image cache (same file system, room for images), removed at the end.
        Path cache = Files.createDirectories(ImageTier.settings().cacheDir());
        work = Files.createTempDirectory(cache.getParent(), cache.getFileName() + "-remote-it-");
        secured = LocalRegistry.secured(work.resolve("registry-tls"), USER, PASSWORD);
        tree = uniqueTree(work.resolve("spec-a"));
        spec = nspawnSpec(tree);
        mkosi = MkosiVersion.detect(ImageTier.factory().runner());
    }

    @AfterAll
    static void stop() {
        if (secured != null) {
            secured.close();
            assertEquals(0, ImageTier.processesMentioning(work.resolve("registry-tls").toString()), "the registry was stopped");
        }
        if (work != null) {
            ImageCache.deleteTree(work);
        }
    }

    static Path uniqueTree(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("tree/etc"));
        Files.writeString(dir.resolve("tree/etc/bootimage-test-id"), UUID.randomUUID().toString());
        return dir.resolve("tree");
    }

    static ImageSpec nspawnSpec(Path tree) {
        return ImageTier.factory().effectiveSpec(ImageSpec.of("debian", "bookworm").withExtraTrees(tree.getParent(), "tree"),
                Boot.NSPAWN, Transport.CONSOLE);
    }

    Map<String, String> remoteSettings(LocalRegistry r, String password) {
        Map<String, String> m = new HashMap<>();
        m.put("bootimage.cache.remote", r.url(REPO));
        m.put("bootimage.cache.remote.timeout", "2m");
        if (password != null) {
            m.put("bootimage.cache.remote.username", USER);
            m.put("bootimage.cache.remote.password", password);
            m.put("bootimage.cache.remote.ca", r.caPem().toString());
        }
        return m;
    }

    RegistryCache remote(Map<String, String> settings) {
        return new RegistryCache(RemoteSettings.of(new Settings(k -> Optional.ofNullable(settings.get(k)))).orElseThrow(),
                warnings::add);
    }

    /** A "machine": its own image cache directory; mkosi's package and incremental caches are the run's. */
    ImageCache machine(Path root, RegistryCache remote, Duration maxAge) {
        Settings s = ImageTier.settings();
        MkosiBuilder real = new MkosiBuilder(ImageTier.factory().runner(), s.cacheDir(), s.buildTimeout(), true);
        ImageBuilder counting = (sp, config, out, log) -> {
            builds.incrementAndGet();
            real.build(sp, config, out, log);
        };
        return new ImageCache(root, mkosi, counting, MirrorCheck.none(), remote, maxAge);
    }

    static String listing(Path dir, boolean content) throws Exception {
        Path script = Path.of(RemoteCacheIT.class.getResource("/tree-listing.py").toURI());
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), dir.toString()));
        if (content) {
            cmd.add("--content");
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    static Path entryWith(Path root, String key) throws IOException {
        Path entry = Files.createDirectories(root.resolve("debian-bookworm-" + key.substring(0, 12)));
        Properties p = new Properties();
        p.setProperty("distro", "debian");
        p.setProperty("release", "bookworm");
        p.setProperty("key", key);
        p.setProperty("architecture", Architecture.host());
        p.setProperty("created", Instant.now().toString());
        try (var out = Files.newOutputStream(entry.resolve(ImageCache.METADATA))) {
            p.store(out, "test entry");
        }
        return entry;
    }

    static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    @Test
    @Order(1)
    void everyFileAttributeSurvivesAPushAndAPullIntoAnEmptyCache() throws Exception {
        String key = "a".repeat(56) + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        Path entry = entryWith(work.resolve("attrs-src"), key);
        Path img = Files.createDirectories(entry.resolve("image"));
        Files.writeString(img.resolve("plain"), "hello\n");
        Files.writeString(img.resolve("setuid"), "#!/bin/sh\n");
        sh("chmod", "4755", img.resolve("setuid").toString());
        Files.writeString(img.resolve("owned"), "x");
        sh("chown", "1234:5678", img.resolve("owned").toString());
        sh("chmod", "0640", img.resolve("owned").toString());
        Files.createSymbolicLink(img.resolve("link"), Path.of("plain"));
        Files.createSymbolicLink(img.resolve("dangling"), Path.of("/nowhere/at/all"));
        Files.createLink(img.resolve("hardlink"), img.resolve("plain"));
        sh("mknod", img.resolve("null").toString(), "c", "1", "3");
        sh("mknod", img.resolve("loop9").toString(), "b", "7", "9");
        sh("mkfifo", img.resolve("fifo").toString());
        Files.getFileAttributeView(img.resolve("plain"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
                .write("bootimage", StandardCharsets.UTF_8.encode("kept"));
        sh("setcap", "cap_net_raw+ep", img.resolve("setuid").toString());
        sh("truncate", "-s", "64M", img.resolve("sparse").toString());
        try (RandomAccessFile f = new RandomAccessFile(img.resolve("sparse").toFile(), "rw")) {
            f.seek(32 << 20);
            f.write("middle".getBytes(StandardCharsets.US_ASCII));
        }

        RegistryCache remote = remote(remoteSettings(secured, PASSWORD));
        String tag = remote.upload(entry);
        assertEquals(ImageArtifact.tag("debian", "bookworm", key, Architecture.host()), tag);

        Path target = work.resolve("attrs-dst").resolve("entry");
        assertTrue(remote.download(tag, key, target, null, "test entry"));
        assertEquals(listing(img, true), listing(target.resolve("image"), true), "same modes, owners, links, devices, xattrs");
        assertTrue(listing(target.resolve("image"), false).contains("security.capability="), "file capabilities are kept");
        assertEquals(List.of(), warnings);

        // What standard tools see: an OCI image manifest with our artifact type and one tar+zstd layer with a title.
        String manifest = get(secured, "/v2/" + REPO + "/manifests/" + tag, ImageArtifact.MANIFEST_TYPE);
        assertTrue(manifest.contains("\"artifactType\":\"" + ImageArtifact.ARTIFACT_TYPE + "\""), manifest);
        assertTrue(manifest.contains("\"mediaType\":\"" + ImageArtifact.LAYER_TYPE + "\""), manifest);
        assertTrue(manifest.contains("\"org.opencontainers.image.title\":\"" + ImageArtifact.LAYER_TITLE + "\""), manifest);
        assertTrue(get(secured, "/v2/" + REPO + "/tags/list", "application/json").contains(tag));
        assertTrue(remote.list().stream().anyMatch(i -> i.tag().equals(tag) && i.get("key").equals(key)));
    }

    static String get(LocalRegistry r, String path, String accept) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        ks.load(null, null);
        try (var in = Files.newInputStream(r.caPem())) {
            ks.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpResponse<String> resp = HttpClient.newBuilder().sslContext(ctx).build().send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + r.port() + path)).header("Accept", accept)
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD)
                                .getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), resp.body());
        return resp.body();
    }

    @Test
    @Order(2)
    void aMissBuildsAndPushesThenASecondMachineInAnotherJvmPullsInsteadOfBuilding() throws Exception {
        ImageCache first = machine(work.resolve("machine-1"), remote(remoteSettings(secured, PASSWORD)), null);
        Image built = first.resolve(spec);
        assertEquals(Optional.of(ImageCache.Origin.BUILT_AND_PUSHED), first.origin(built), warnings.toString());
        assertEquals(1, builds.get());

        Path second = work.resolve("machine-2");
        List<String> cmd = ConcurrencyIT.javaCommand(RemoteChild.class, second.toString(), tree.toString());
        cmd.addAll(1, List.of("-Dbootimage.cache.remote=" + secured.url(REPO), "-Dbootimage.cache.remote.ca=" + secured.caPem()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(RemoteSettings.USERNAME_ENV, USER);
        pb.environment().put(RemoteSettings.PASSWORD_ENV, PASSWORD);
        Process child = pb.start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), out);
        assertTrue(out.contains("origin=PULLED builds=0"), out);
        Path pulled = second.resolve(built.name());
        assertTrue(ImageCache.isComplete(pulled));
        assertEquals(listing(built.directory(), false), listing(pulled.resolve("image"), false),
                "the pulled image is the built one, file by file");

        // The pulled image boots like one built here.
        // The runtime's cache must key the spec as the test's caches do (whole images, no base layer).
        Map<String, String> s = new HashMap<>(Map.of("bootimage.cache.dir", second.toString(), "bootimage.build.layers", "false"));
        BootImageRuntime f = BootImageRuntime.forHost(new Settings(k -> Optional.ofNullable(s.get(k))));
        try (DefaultMachine m = f.boot(new MachineRequest(spec, Boot.NSPAWN, Transport.CONSOLE, null, "RemoteCacheIT"))) {
            assertEquals(Files.readString(tree.resolve("etc/bootimage-test-id")), m.succeed("cat", "/etc/bootimage-test-id"));
            assertEquals("4755 root", m.succeed("stat", "-c", "%a %U", "/usr/bin/passwd").strip());
            assertEquals(pulled, m.info().image());
        }
    }

    @Test
    @Order(3)
    void wrongCredentialsCostAWarningWithTheFixAndTheImageIsBuiltHere() {
        ImageCache c = machine(work.resolve("machine-wrong-password"), remote(remoteSettings(secured, "wrong")), null);
        Image img = c.resolve(spec);
        assertEquals(Optional.of(ImageCache.Origin.BUILT), c.origin(img));
        assertEquals(1, builds.get());
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        assertTrue(w.startsWith("Could not pull debian:bookworm ("), w);
        assertTrue(w.contains("refused the credentials (HTTP 401; credentials from bootimage.cache.remote.username/password)"), w);
        assertTrue(w.contains("set bootimage.cache.remote.username and bootimage.cache.remote.password"), w);
        assertTrue(w.contains("Building it here instead."), w);
        assertTrue(w.endsWith("The rest of this run does not use the registry."), w);
    }

    @Test
    @Order(4)
    void anUntrustedCertificateCostsAWarningNamingTheCaSetting() {
        Map<String, String> s = remoteSettings(secured, PASSWORD);
        s.remove("bootimage.cache.remote.ca");
        RegistryCache r = remote(s);
        assertFalse(r.pull(spec, "0".repeat(64), work.resolve("untrusted/entry"), null));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("TLS with 127.0.0.1:" + secured.port() + " failed"), warnings.get(0));
        assertTrue(warnings.get(0).contains("set bootimage.cache.remote.ca to the PEM file"), warnings.get(0));
    }

    @Test
    @Order(5)
    void aCorruptBlobIsDetectedByItsDigestAndTheImageIsRebuiltNeverUnpacked() throws Exception {
        RegistryCache r = remote(remoteSettings(secured, PASSWORD));
        String tag = ImageArtifact.tag("debian", "bookworm", ImageCache.metadata(work.resolve("machine-1")
                .resolve(first(work.resolve("machine-1")))).getProperty("key"), Architecture.host());
        String manifest = get(secured, "/v2/" + REPO + "/manifests/" + tag, ImageArtifact.MANIFEST_TYPE);
        String layer = manifest.replaceAll("(?s).*\"mediaType\":\"" + java.util.regex.Pattern.quote(ImageArtifact.LAYER_TYPE)
                + "\",\"digest\":\"(sha256:[0-9a-f]+)\".*", "$1");
        Path blob = secured.blobFile(layer);
        assertTrue(Files.isRegularFile(blob), blob.toString());
        try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
            f.seek(f.length() / 2);
            byte b = f.readByte();
            f.seek(f.length() / 2);
            f.writeByte(b ^ 0x5a);
        }
        Path root = work.resolve("machine-corrupt");
        ImageCache c = machine(root, r, null);
        Image img = c.resolve(spec);
        assertEquals(1, builds.get(), "rebuilt here");
        assertEquals(Optional.of(ImageCache.Origin.BUILT_AND_PUSHED), c.origin(img), "and pushed anew: " + warnings);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("the download is corrupt or truncated"), warnings.get(0));
        assertTrue(warnings.get(0).contains("where the manifest says " + layer), warnings.get(0));
        assertTrue(warnings.get(0).contains("never unpacked"), warnings.get(0));
        try (var s = Files.list(root.resolve(".tmp"))) {
            assertEquals(List.of(), s.toList(), "nothing half-written is left");
        }
        // The registry holds a good copy again: a third machine pulls it.
        ImageCache third = machine(work.resolve("machine-3"), remote(remoteSettings(secured, PASSWORD)), null);
        assertEquals(Optional.of(ImageCache.Origin.PULLED), third.origin(third.resolve(spec)));
        assertEquals(1, builds.get());
    }

    static String first(Path root) throws IOException {
        try (var s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("debian-")).findFirst().orElseThrow();
        }
    }

    @Test
    @Order(6)
    void aRegistryStoppedMidRunCostsOneWarningAndImagesAreBuiltHere() throws Exception {
        try (LocalRegistry plain = LocalRegistry.plain(work.resolve("registry-plain"))) {
            Map<String, String> s = remoteSettings(plain, null);
            RegistryCache r = remote(s);
            ImageCache c = machine(work.resolve("machine-stopped"), r, null);
            Image one = c.resolve(spec);
            assertEquals(Optional.of(ImageCache.Origin.BUILT_AND_PUSHED), c.origin(one), "plain HTTP on loopback: " + warnings);
            plain.stop();
            ImageSpec other = nspawnSpec(uniqueTree(work.resolve("spec-b")));
            long t0 = System.nanoTime();
            Image two = c.resolve(other);
            assertEquals(Optional.of(ImageCache.Origin.BUILT), c.origin(two));
            assertEquals(2, builds.get());
            assertEquals(1, warnings.size(), warnings.toString());
            String w = warnings.get(0);
            assertTrue(w.contains("nothing answers at 127.0.0.1:" + plain.port() + " (ConnectException"), w);
            assertTrue(w.contains("start the registry, or fix bootimage.cache.remote"), w);
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 120, "no long wait for a dead registry");
            assertTrue(c.fetch(nspawnSpec(uniqueTree(work.resolve("spec-c")))).isEmpty());
            assertEquals(1, warnings.size(), "the dead registry is not asked again: " + warnings);
        }
    }

    @Test
    @Order(7)
    void aRegistryOutOfSpaceCostsAWarningAndTheImageStaysLocal() throws Exception {
        Path mnt = Files.createDirectories(work.resolve("tiny"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString()).inheritIO().start();
        assumeTrue(mount.waitFor() == 0, "tmpfs could not be mounted");
        try (LocalRegistry full = LocalRegistry.plain(mnt.resolve("registry"))) {
            RegistryCache r = remote(remoteSettings(full, null));
            String key = "b".repeat(56) + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
            Path entry = entryWith(work.resolve("full-src"), key);
            Path img = Files.createDirectories(entry.resolve("image"));
            byte[] noise = new byte[8 << 20];
            new java.util.Random(1).nextBytes(noise);
            Files.write(img.resolve("noise"), noise);
            assertFalse(r.push(entry));
            assertEquals(1, warnings.size(), warnings.toString());
            String w = warnings.get(0);
            assertTrue(w.startsWith("Could not push " + entry.getFileName() + " to " + full.url(REPO)), w);
            assertTrue(w.contains("could not store or serve the image ("), w);
            assertTrue(w.contains("no space left on device"), w);
            assertTrue(w.contains("it may be out of space"), w);
            assertTrue(w.contains("The image stays in the local cache"), w);
            assertTrue(ImageCache.isComplete(entry));
        } finally {
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    @Order(8)
    void twoMachinesMissingTheSameKeyAtOnceBothEndUpWithACorrectImage() throws Exception {
        Path raceTree = uniqueTree(work.resolve("spec-race"));
        List<Process> children = new ArrayList<>();
        for (String name : List.of("race-1", "race-2")) {
            List<String> cmd = ConcurrencyIT.javaCommand(RemoteChild.class, work.resolve(name).toString(), raceTree.toString());
            cmd.addAll(1, List.of("-Dbootimage.cache.remote=" + secured.url(REPO),
                    "-Dbootimage.cache.remote.ca=" + secured.caPem(), "-Dbootimage.cache.remote.username=" + USER,
                    "-Dbootimage.cache.remote.password=" + PASSWORD));
            children.add(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }
        List<String> outs = new ArrayList<>();
        for (Process p : children) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            outs.add(out);
        }
        String marker = Files.readString(raceTree.resolve("etc/bootimage-test-id"));
        for (String name : List.of("race-1", "race-2")) {
            Path e = work.resolve(name).resolve(first(work.resolve(name)));
            assertTrue(ImageCache.isComplete(e), name + ": " + outs);
            assertEquals(marker, Files.readString(e.resolve("image/etc/bootimage-test-id")));
        }
        assertTrue(outs.stream().allMatch(o -> o.contains("origin=")), outs.toString());
        // Whichever push won, the registry's copy is whole: a third machine pulls and verifies it.
        ImageCache third = machine(work.resolve("race-3"), remote(remoteSettings(secured, PASSWORD)), null);
        Image img = third.resolve(nspawnSpec(raceTree));
        assertEquals(Optional.of(ImageCache.Origin.PULLED), third.origin(img), warnings.toString());
        assertEquals(marker, Files.readString(img.directory().resolve("etc/bootimage-test-id")));
        assertNotEquals(0, outs.size());
    }

    @Test
    @Order(9)
    void anImageOlderThanMaxAgeIsRebuiltAndPushedAnewAndNotPulled() throws Exception {
        Path root = work.resolve("machine-1");
        Path entry = root.resolve(first(root));
        Properties p = ImageCache.metadata(entry);
        p.setProperty("created", "2020-01-01T00:00:00Z");
        try (var out = Files.newOutputStream(entry.resolve(ImageCache.METADATA))) {
            p.store(out, "aged by the test");
        }
        RegistryCache r = remote(remoteSettings(secured, PASSWORD));
        r.upload(entry); // the registry's copy is as old as the local one
        ImageCache c = machine(root, r, Duration.ofDays(7));
        Image img = c.resolve(spec);
        assertEquals(Optional.of(ImageCache.Origin.BUILT_AND_PUSHED), c.origin(img), warnings.toString());
        assertEquals(1, builds.get());
        Instant created = Instant.parse(ImageCache.metadata(img.entry()).getProperty("created"));
        assertTrue(created.isAfter(Instant.now().minus(Duration.ofHours(1))), created.toString());
        String tag = ImageArtifact.tag("debian", "bookworm", img.key(), Architecture.host());
        assertTrue(r.list().stream().anyMatch(i -> i.tag().equals(tag) && i.get("created").equals(created.toString())),
                "the registry holds the new build");
    }

    /** A test class as users write it; the JUnit configuration parameters name the shared cache. */
    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE)
    static class UsesTheSharedCache {
        @Test
        void runs(Machine machine) {
            assertEquals("bookworm", machine.osRelease().get("VERSION_CODENAME"));
        }
    }

    @Test
    @Order(10)
    void theExtensionPullsThroughItsConfigurationParameters() throws Exception {
        ImageSpec dflt = ImageTier.factory().effectiveSpec(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE);
        Image local = ImageTier.factory().cache().resolve(dflt);
        remote(remoteSettings(secured, PASSWORD)).upload(local.entry());
        Path empty = work.resolve("junit-machine");
        var results = org.junit.platform.testkit.engine.EngineTestKit.engine("junit-jupiter")
                .selectors(org.junit.platform.engine.discovery.DiscoverySelectors.selectClass(UsesTheSharedCache.class))
                .configurationParameter("bootimage.cache.dir", empty.toString())
                .configurationParameter("bootimage.cache.remote", secured.url(REPO))
                .configurationParameter("bootimage.cache.remote.ca", secured.caPem().toString())
                .configurationParameter("bootimage.cache.remote.username", USER)
                .configurationParameter("bootimage.cache.remote.password", PASSWORD)
                .execute();
        results.testEvents().assertStatistics(st -> st.started(1).succeeded(1).failed(0));
        assertTrue(ImageCache.isComplete(empty.resolve(local.name())), "pulled into the empty cache, not built there");
        assertFalse(Files.exists(empty.resolve("packages")), "mkosi never ran there (no package cache)");
    }
}
