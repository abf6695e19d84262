package io.github.bootimage.image.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.github.bootimage.image.Architecture;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.RemoteCache;
import io.github.bootimage.runtime.Settings;
import land.oras.ContainerRef;
import land.oras.Layer;
import land.oras.Manifest;
import land.oras.Registry;
import land.oras.exception.OrasException;

/**
 * The shared image cache in an OCI registry ({@code bootimage.cache.remote}), through the ORAS Java SDK.
 *
 * <p>One image is one OCI artifact ({@link ImageArtifact}): a manifest, a config blob with the
 * entry's metadata and one layer, the cache entry as a zstd tar ({@link EntryArchive}), whose digest
 * is checked as it streams in.
 *
 * <p>Every failure becomes a warning with the reason and the fix, and the caller builds locally; a
 * failure that will not heal within the run (registry down, too slow, credentials refused, TLS)
 * switches the registry off for the rest of the JVM, so a run pays for it once.
 */
public final class RegistryCache implements RemoteCache {
    private static final System.Logger LOG = System.getLogger(RegistryCache.class.getName());

    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "bootimage-registry");
        t.setDaemon(true);
        return t;
    });

    private final RemoteSettings settings;
    private final Consumer<String> warnings;
    private volatile Registry registry;
    private volatile String off;

    /**
     * A registry cache.
     *
     * @param warnings where warnings go (the caller's log or console)
     */
    public RegistryCache(RemoteSettings settings, Consumer<String> warnings) {
        this.settings = settings;
        this.warnings = warnings;
    }

    /** The remote cache configured by {@code bootimage.cache.remote}, or {@link RemoteCache#NONE}. */
    public static RemoteCache fromSettings(Settings s) {
        return RemoteSettings.of(s).<RemoteCache>map(r -> new RegistryCache(r,
                w -> LOG.log(System.Logger.Level.WARNING, w))).orElse(RemoteCache.NONE);
    }

    public RemoteSettings settings() {
        return settings;
    }

    @Override
    public String describe() {
        return settings.url();
    }

    @Override
    public boolean pull(ImageSpec spec, String key, Path target, Instant notBefore) {
        if (off != null) {
            LOG.log(System.Logger.Level.DEBUG, "Not asking {0} for {1}: {2}", settings.url(), spec.label(), off);
            return false;
        }
        String tag = ImageArtifact.tag(spec.distro().name(), spec.release(), key, Architecture.host());
        try {
            return download(tag, key, target, notBefore, spec.label());
        } catch (RegistryFailure f) {
            warn("Could not pull " + spec.label() + " (" + tag + ") from " + settings.url() + ": " + f.getMessage()
                    + ". Building it here instead.", f);
            return false;
        } catch (RuntimeException e) { // whatever else went wrong, the run goes on with a local build
            RegistryFailure f = RegistryFailure.explain(settings, e);
            warn("Could not pull " + spec.label() + " (" + tag + ") from " + settings.url() + ": " + f.getMessage()
                    + ". Building it here instead.", f);
            return false;
        }
    }

    @Override
    public boolean push(Path entry) {
        if (off != null) {
            LOG.log(System.Logger.Level.INFO, "Not pushing {0} to {1}: {2}", entry.getFileName(), settings.url(), off);
            return false;
        }
        try {
            upload(entry);
            return true;
        } catch (RegistryFailure f) {
            warn("Could not push " + entry.getFileName() + " to " + settings.url() + ": " + f.getMessage()
                    + ". The image stays in the local cache; other machines build it themselves.", f);
            return false;
        } catch (RuntimeException e) { // whatever else went wrong, the image built here is kept
            RegistryFailure f = RegistryFailure.explain(settings, e);
            warn("Could not push " + entry.getFileName() + " to " + settings.url() + ": " + f.getMessage()
                    + ". The image stays in the local cache; other machines build it themselves.", f);
            return false;
        }
    }

    /**
     * Downloads the artifact tagged {@code tag} into {@code target}, verified against its digest.
     *
     * @return false when the registry has no such tag or its image is older than {@code notBefore}
     * @throws RegistryFailure when the registry could not be used, or sent content that does not match its digest
     */
    public boolean download(String tag, String key, Path target, Instant notBefore, String label) throws RegistryFailure {
        Registry r = registry();
        ContainerRef ref = ref(tag);
        Manifest m;
        try {
            m = call(() -> r.getManifest(ref));
        } catch (RegistryFailure f) {
            if (f.getCause() instanceof OrasException o && o.getStatusCode() != null && o.getStatusCode() == 404) {
                LOG.log(System.Logger.Level.INFO, "{0} has no {1}", settings.url(), tag);
                return false;
            }
            throw f;
        }
        Map<String, String> a = m.getAnnotations();
        String theirKey = a.get(ImageArtifact.ANNOTATION + "key");
        String theirArch = a.get(ImageArtifact.ANNOTATION + "architecture");
        if (!key.equals(theirKey) || !Architecture.host().equals(theirArch)) {
            throw new RegistryFailure("the artifact " + tag + " is not a bootimage image of key " + key + " for "
                    + Architecture.host() + " (its annotations say key " + theirKey + ", architecture " + theirArch
                    + "); the next push replaces it", false, null);
        }
        Instant created = parseInstant(a.get(ImageArtifact.ANNOTATION + "created"));
        if (notBefore != null && (created == null || created.isBefore(notBefore))) {
            LOG.log(System.Logger.Level.INFO, "{0} of {1} was built {2}, before bootimage.cache.maxAge allows: building it anew",
                    tag, settings.url(), created);
            return false;
        }
        List<Layer> layers = m.getLayers().stream().filter(l -> ImageArtifact.LAYER_TYPE.equals(l.getMediaType())).toList();
        if (layers.size() != 1) {
            throw new RegistryFailure("the artifact " + tag + " has " + layers.size() + " layers of type "
                    + ImageArtifact.LAYER_TYPE
                    + " instead of one; the next push replaces it", false, null);
        }
        Layer layer = layers.get(0);
        Path file = target.resolveSibling(target.getFileName() + ".tar.zst");
        try {
            long t0 = System.nanoTime();
            Files.createDirectories(target.getParent());
            long size = call(() -> fetch(r, ref.withDigest(layer.getDigest()), file, layer.getDigest(), layer.getSize()));
            EntryArchive.unpack(file, target);
            LOG.log(System.Logger.Level.INFO, "Pulled {0} ({1} bytes) from {2} in {3} ms", tag, size, settings.url(),
                    (System.nanoTime() - t0) / 1_000_000);
            return true;
        } catch (IOException e) {
            throw new RegistryFailure("could not unpack the download of " + tag + " into " + target + ": " + e.getMessage(),
                    false, e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "Could not remove " + file, e);
            }
        }
    }

    /** Streams a blob into a file, checking size and digest as it comes. */
    private static long fetch(Registry r, ContainerRef ref, Path file, String digest, Long size) throws IOException, RegistryFailure {
        MessageDigest md = EntryArchive.sha256();
        long n = 0;
        try (InputStream in = r.fetchBlob(ref); OutputStream out = Files.newOutputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int k; (k = in.read(buf)) > 0; ) {
                md.update(buf, 0, k);
                out.write(buf, 0, k);
                n += k;
            }
        }
        String got = "sha256:" + HexFormat.of().formatHex(md.digest());
        if (!got.equals(digest) || (size != null && size != n)) {
            throw new RegistryFailure("the download is corrupt or truncated: " + n + " of " + size + " bytes, digest " + got
                    + " where the manifest says " + digest + "; it was discarded, never unpacked", false, null);
        }
        return n;
    }

    /** Uploads a complete cache entry: layer, config, then the tagged manifest. */
    public String upload(Path entry) throws RegistryFailure {
        if (!ImageCache.isComplete(entry)) {
            throw new RegistryFailure(entry + " is not a complete cache entry (no " + ImageCache.METADATA + ")", false, null);
        }
        Properties meta = ImageCache.metadata(entry);
        String arch = meta.getProperty("architecture", Architecture.host());
        String tag = ImageArtifact.tag(meta.getProperty("distro"), meta.getProperty("release"), meta.getProperty("key"), arch);
        Registry r = registry();
        Path file = entry.getParent().resolve(".tmp").resolve(entry.getFileName() + "-" + ProcessHandle.current().pid()
                + "-push.tar.zst");
        try {
            Files.createDirectories(file.getParent());
            long t0 = System.nanoTime();
            EntryArchive.Packed packed = EntryArchive.pack(entry, file);
            ContainerRef ref = ref(tag);
            call(() -> r.pushBlob(ref.withDigest(packed.digest()), packed.size(), () -> {
                try {
                    return Files.newInputStream(file);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, Map.of()));
            Map<String, String> annotations = ImageArtifact.annotations(meta, arch);
            byte[] config = ImageArtifact.json(annotations).getBytes(StandardCharsets.UTF_8);
            Layer cfg = call(() -> r.pushBlob(ref, config));
            String manifest = ImageArtifact.manifest(cfg.getDigest(), config.length, packed.digest(), packed.size(), annotations);
            call(() -> r.pushManifest(ref, Manifest.fromJson(manifest)));
            LOG.log(System.Logger.Level.INFO, "Pushed {0} ({1} bytes) to {2} in {3} ms", tag, packed.size(), settings.url(),
                    (System.nanoTime() - t0) / 1_000_000);
            return tag;
        } catch (IOException e) {
            throw new RegistryFailure("could not pack " + entry + " for the upload: " + e.getMessage(), false, e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "Could not remove " + file, e);
            }
        }
    }

    /** One image the registry holds. */
    public record RemoteImage(String tag, Map<String, String> annotations) {
        public String get(String name) {
            return annotations.getOrDefault(ImageArtifact.ANNOTATION + name, "");
        }
    }

    /** The bootimage images in the repository (other tags are left out). */
    public List<RemoteImage> list() throws RegistryFailure {
        Registry r = registry();
        List<String> tags;
        try {
            tags = call(() -> r.getTags(ref("latest")).tags());
        } catch (RegistryFailure f) {
            if (f.getCause() instanceof OrasException o && o.getStatusCode() != null && o.getStatusCode() == 404) {
                return List.of(); // the repository does not exist yet
            }
            throw f;
        }
        List<RemoteImage> out = new ArrayList<>();
        for (String t : tags == null ? List.<String>of() : tags) {
            Manifest m = call(() -> r.getManifest(ref(t)));
            if (ImageArtifact.ARTIFACT_TYPE.equals(m.getArtifactTypeAsString())) {
                Map<String, String> a = new LinkedHashMap<>(m.getAnnotations());
                m.getLayers().stream().filter(l -> ImageArtifact.LAYER_TYPE.equals(l.getMediaType())).findFirst()
                        .ifPresent(l -> a.put(ImageArtifact.ANNOTATION + "size", String.valueOf(l.getSize())));
                out.add(new RemoteImage(t, a));
            }
        }
        return out;
    }

    private ContainerRef ref(String tag) {
        return ContainerRef.parse(settings.registry() + "/" + settings.repository() + ":" + tag);
    }

    private Registry registry() throws RegistryFailure {
        if (off != null) {
            throw new RegistryFailure(off, true, null);
        }
        Registry r = registry;
        if (r == null) {
            synchronized (this) {
                if (registry == null) {
                    try {
                        registry = call(() -> new RegistryConnection(settings).open());
                    } catch (RegistryFailure f) {
                        if (f.lasting()) {
                            off = "the registry was found unusable earlier in this run (" + f.getMessage() + ")";
                        }
                        throw f;
                    }
                }
                r = registry;
            }
        }
        return r;
    }

    /** Runs a registry call within the timeout, on a daemon thread (a hung call is abandoned). */
    private <T> T call(Callable<T> c) throws RegistryFailure {
        Future<T> f = WORKERS.submit(c);
        try {
            return f.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw lasting(RegistryFailure.explain(settings, new TimeoutException("no answer within " + settings.timeout())));
        } catch (ExecutionException e) {
            throw lasting(RegistryFailure.explain(settings, e.getCause()));
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new RegistryFailure("interrupted", false, e);
        }
    }

    private RegistryFailure lasting(RegistryFailure f) {
        if (f.lasting() && off == null) {
            off = "the registry was found unusable earlier in this run (" + f.getMessage() + ")";
        }
        return f;
    }

    private void warn(String message, RegistryFailure f) {
        warnings.accept(message + (f.lasting() ? " The rest of this run does not use the registry." : ""));
        LOG.log(System.Logger.Level.DEBUG, "Registry failure", f);
    }

    private static Instant parseInstant(String s) {
        try {
            return s == null ? null : Instant.parse(s);
        } catch (RuntimeException e) {
            return null;
        }
    }

}
