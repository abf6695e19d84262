package io.github.bootimage.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.github.bootimage.BootImageException;
import io.github.bootimage.ImageFormat;
import io.github.bootimage.ImageBuildException;

/**
 * Content-addressed image cache. An entry is {@code <root>/<distro>-<release>-<key12>/} holding the
 * image, the kernel and initrd when there are any, the configuration it came from, and
 * {@value #METADATA} written last: an entry without it is incomplete and is rebuilt. Builds happen in
 * a temporary sibling that is renamed into place; a file lock per key (plus an in-process lock) makes
 * parallel threads and JVMs build once and share.
 *
 * <p>With a {@link RemoteCache}, a miss first tries the remote (a verified download published the same
 * way, as if built here), and an image built here is pushed to it. With a maximum age, an entry built
 * longer ago than that is rebuilt (and pushed anew), and the remote's older copies are not taken.
 */
public final class ImageCache {
    private static final System.Logger LOG = System.getLogger(ImageCache.class.getName());

    /** The completion marker and metadata of an entry. */
    public static final String METADATA = "bootimage.properties";
    /** Touched on every use, for pruning by age. */
    public static final String LAST_USED = ".last-used";


    /** Where a resolved image came from. */
    public enum Origin {
        /** It was in the local cache. */
        LOCAL,
        /** It was downloaded from the remote cache. */
        PULLED,
        /** It was built here (no remote, or the push failed: see the warning). */
        BUILT,
        /** It was built here and pushed to the remote cache. */
        BUILT_AND_PUSHED
    }

    private final Path root;
    private final MkosiVersion mkosi;
    private final ImageBuilder builder;
    private final MirrorCheck mirrors;
    private final RemoteCache remote;
    private final Duration maxAge;
    private final ConcurrentMap<Path, Origin> origins = new ConcurrentHashMap<>();
    private final boolean layers;
    private final java.util.concurrent.Semaphore builds;

    public ImageCache(Path root, MkosiVersion mkosi, ImageBuilder builder, MirrorCheck mirrors) {
        this(root, mkosi, builder, mirrors, RemoteCache.NONE, null);
    }

    /**
     * A cache with a remote level and a maximum age.
     *
     * @param remote the shared cache asked before a build and given every build ({@link RemoteCache#NONE}: none)
     * @param maxAge entries built longer ago are rebuilt (null: no limit)
     */
    public ImageCache(Path root, MkosiVersion mkosi, ImageBuilder builder, MirrorCheck mirrors, RemoteCache remote,
                      Duration maxAge) {
        this(root, mkosi, builder, mirrors, remote, maxAge, false, 0);
    }

    /**
     * A cache with a remote level, a maximum age, shared base layers and a bound on concurrent builds.
     *
     * @param layers      whether directory images are built on their release's base image ({@link #baseOf})
     * @param parallelism at most this many builds at once in this JVM (0: no bound)
     */
    public ImageCache(Path root, MkosiVersion mkosi, ImageBuilder builder, MirrorCheck mirrors, RemoteCache remote,
                      Duration maxAge, boolean layers, int parallelism) {
        this.layers = layers;
        this.builds = parallelism > 0 ? new java.util.concurrent.Semaphore(parallelism, true) : null;
        this.root = root.toAbsolutePath().normalize();
        this.mkosi = mkosi;
        this.builder = builder;
        this.mirrors = mirrors;
        this.remote = remote;
        this.maxAge = maxAge;
    }

    public RemoteCache remote() {
        return remote;
    }

    /** Where an image this cache resolved came from (empty for one it did not resolve). */
    public Optional<Origin> origin(Image image) {
        return Optional.ofNullable(origins.get(image.entry()));
    }

    public Path root() {
        return root;
    }

    /** The entry directory a spec maps to (it may not exist yet). */
    public Path entryOf(ImageSpec spec) {
        return entryOf(spec, recipe(spec));
    }

    /** The entry directory a recipe maps to (it may not exist yet). */
    public Path entryOf(ImageSpec spec, ImageRecipe recipe) {
        return root.resolve(entryName(spec, recipe.key()));
    }

    /** The mkosi version the cache builds with. */
    public MkosiVersion mkosiVersion() {
        return mkosi;
    }

    private ImageRecipe recipe(ImageSpec spec) {
        MkosiConfig config = MkosiConfig.of(spec, mkosi);
        if (!layers) {
            return ImageRecipe.of(config);
        }
        Optional<ImageSpec> base = baseOf(spec);
        if (base.isPresent()) {
            return ImageRecipe.layered(config, MkosiConfig.of(base.get(), mkosi).key());
        }
        // A base image itself (same key as without layers): no incremental cache beside it.
        return isBase(spec) ? ImageRecipe.base(config) : ImageRecipe.of(config);
    }

    /** Whether this cache builds directory images on their base image. */
    public boolean layers() {
        return layers;
    }

    private static boolean isBase(ImageSpec spec) {
        return spec.format() == ImageFormat.DIRECTORY && !spec.kernel() && baseOf(spec).isEmpty();
    }

    /**
     * The base image a spec is built on: the packages, agent and settings every image of its distribution,
     * release, mirror and repository file gets, and nothing of its own. Empty for a spec that is its own
     * base, and for images with a kernel (qemu's disk images are built whole).
     */
    public static Optional<ImageSpec> baseOf(ImageSpec spec) {
        if (spec.format() != ImageFormat.DIRECTORY || spec.kernel()) {
            return Optional.empty();
        }
        ImageSpec base = new ImageSpec(spec.distro(), spec.release(), List.of(), ImageFormat.DIRECTORY, false, false,
                List.of(), List.of(), List.of(), List.of(), List.of(), spec.mirror(), spec.repositories());
        return base.equals(spec) ? Optional.empty() : Optional.of(base);
    }

    private static String entryName(ImageSpec spec, String key) {
        return spec.distro().name() + "-" + spec.release() + "-" + key.substring(0, 12);
    }

    /** The cached image for a spec, built now when it is not cached. */
    public Image resolve(ImageSpec spec) {
        return resolve(spec, recipe(spec), true).orElseThrow();
    }

    /** The local cache's or the remote's image of a spec, without building: empty when neither has it. */
    public Optional<Image> fetch(ImageSpec spec) {
        return resolve(spec, recipe(spec), false);
    }

    /** The cached image of a recipe (a user's own mkosi project), built now when it is not cached. */
    public Image resolve(ImageSpec spec, ImageRecipe config) {
        return resolve(spec, config, true).orElseThrow();
    }

    private Optional<Image> resolve(ImageSpec spec, ImageRecipe config, boolean build) {
        String key = config.key();
        String name = entryName(spec, key);
        Path entry = root.resolve(name);
        if (isComplete(entry) && isFresh(entry)) {
            return found(entry, spec, key, Origin.LOCAL);
        }
        prepareRoot();
        try (KeyedFileLock ignored = KeyedFileLock.acquire(root.resolve(".locks").resolve(name + ".lock"))) {
            if (isComplete(entry)) {
                if (isFresh(entry)) {
                    return found(entry, spec, key, Origin.LOCAL);
                }
                if (!EntryUse.ifUnused(entry, () -> deleteTree(entry))) {
                    LOG.log(System.Logger.Level.WARNING, "Cache entry {0} is older than bootimage.cache.maxAge ({1}) but a "
                            + "running machine uses it: using it this time, rebuilding it once it is free", entry, maxAge);
                    return found(entry, spec, key, Origin.LOCAL);
                }
                LOG.log(System.Logger.Level.INFO, "Cache entry {0} is older than bootimage.cache.maxAge ({1}): rebuilding it",
                        entry, maxAge);
            }
            if (Files.exists(entry)) {
                LOG.log(System.Logger.Level.WARNING, "Cache entry {0} is incomplete (no {1}): rebuilding it", entry, METADATA);
                deleteTree(entry);
            }
            if (pull(spec, key, entry)) {
                return found(entry, spec, key, Origin.PULLED);
            }
            if (!build) {
                return Optional.empty();
            }
            mirrors.check(spec);
            build(spec, config, key, entry);
            return found(entry, spec, key, remote.push(entry) ? Origin.BUILT_AND_PUSHED : Origin.BUILT);
        } catch (IOException e) {
            throw new ImageBuildException("Could not use the image cache at " + root + ": " + e.getMessage()
                    + ". Set bootimage.cache.dir to a writable directory with a few GiB free.", e);
        }
    }

    private Optional<Image> found(Path entry, ImageSpec spec, String key, Origin origin) {
        touch(entry);
        origins.put(entry, origin);
        return Optional.of(new Image(entry, spec, key));
    }

    /** Asks the remote for the entry; publishes what it got atomically. */
    private boolean pull(ImageSpec spec, String key, Path entry) throws IOException {
        if (remote == RemoteCache.NONE) {
            return false;
        }
        Path tmp = Files.createTempDirectory(root.resolve(".tmp"), entry.getFileName() + "-" + ProcessHandle.current().pid() + "-");
        Path target = tmp.resolve("entry");
        try {
            Instant notBefore = maxAge == null ? null : Instant.now().minus(maxAge);
            if (!remote.pull(spec, key, target, notBefore)) {
                return false;
            }
            if (!isComplete(target) || !key.equals(metadata(target).getProperty("key"))) {
                LOG.log(System.Logger.Level.WARNING, "The image of {0} from {1} is not a complete entry of key {2}: "
                        + "building it here instead", spec.label(), remote.describe(), key);
                return false;
            }
            Files.move(target, entry, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } finally {
            deleteTree(tmp);
        }
    }

    /** Whether an entry is younger than the maximum age (always, without one). */
    private boolean isFresh(Path entry) {
        if (maxAge == null) {
            return true;
        }
        try {
            return Instant.parse(metadata(entry).getProperty("created", "")).isAfter(Instant.now().minus(maxAge));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void build(ImageSpec spec, ImageRecipe config, String key, Path entry) throws IOException {
        // Named with this JVM's pid, so a later run can tell a dead JVM's half-built leftovers.
        Path tmp = Files.createTempDirectory(root.resolve(".tmp"), entry.getFileName() + "-" + ProcessHandle.current().pid() + "-");
        boolean published = false;
        try {
            Path configDir = tmp.resolve("mkosi");
            config.writeTo(configDir);
            // The log is written where a failed build's log stays (the temporary directory goes away), so the
            // builder's message names the file that remains; a build that succeeds takes it into its entry.
            Path log = failedLog(entry);
            Files.createDirectories(log.getParent());
            Files.deleteIfExists(log);
            Optional<ImageSpec> baseSpec = config.layered() ? baseOf(spec) : Optional.empty();
            if (baseSpec.isPresent()) {
                // Built on the base: it is resolved (built once, shared) and kept from pruning while this build reads it.
                Image base = resolve(baseSpec.get());
                try (EntryUse ignored = EntryUse.acquire(base.entry())) {
                    runBuild(spec, config.onBase(base.directory()), configDir, tmp, log);
                    if (Files.isDirectory(tmp.resolve("image"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        SharedFiles.Result shared = SharedFiles.link(tmp.resolve("image"), base.directory());
                        LOG.log(System.Logger.Level.INFO, "Image {0} shares {1} files ({2} MB) with its base {3}", spec.label(),
                                shared.files(), shared.bytes() / 1_000_000, base.name());
                    }
                }
            } else {
                runBuild(spec, config, configDir, tmp, log);
            }
            if (!Files.exists(tmp.resolve("image")) && !Files.exists(tmp.resolve("image.raw"))) {
                throw new ImageBuildException("mkosi finished but wrote no image for " + spec.label() + " in " + tmp
                        + " (expected 'image' or 'image.raw'); see " + log);
            }
            if (Files.exists(log)) {
                Files.move(log, tmp.resolve("build.log"), StandardCopyOption.REPLACE_EXISTING);
            }
            writeMetadata(tmp, spec, key);
            try {
                Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new ImageBuildException("Cannot publish cache entry atomically: " + tmp + " and " + entry
                        + " are on different file systems", e);
            }
            published = true;
        } catch (FileSystemException e) {
            throw new ImageBuildException(diskMessage(e), e);
        } finally {
            if (!published) {
                deleteTree(tmp);
            }
        }
    }

    /** Runs the builder, at most {@code parallelism} at once in this JVM. */
    private void runBuild(ImageSpec spec, ImageRecipe config, Path configDir, Path tmp, Path log) {
        if (builds == null) {
            builder.build(spec, config, configDir, tmp, log);
            return;
        }
        try {
            builds.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageBuildException("Interrupted while waiting to build " + spec.label(), e);
        }
        try {
            builder.build(spec, config, configDir, tmp, log);
        } finally {
            builds.release();
        }
    }

    private String diskMessage(FileSystemException e) {
        String reason = e.getReason() == null ? e.getMessage() : e.getReason();
        if (reason != null && reason.contains("No space left")) {
            return "The image cache at " + root + " is full (No space left on device while writing " + e.getFile()
                    + "). Free space, run 'bootimage prune', or set bootimage.cache.dir to a larger file system.";
        }
        return "Could not write the image cache at " + root + ": " + e.getMessage()
                + ". Set bootimage.cache.dir to a writable directory with a few GiB free.";
    }

    private void writeMetadata(Path dir, ImageSpec spec, String key) throws IOException {
        Properties p = new Properties();
        p.setProperty("distro", spec.distro().name());
        p.setProperty("release", spec.release());
        p.setProperty("key", key);
        p.setProperty("format", spec.format().name());
        p.setProperty("kernel", Boolean.toString(spec.kernel()));
        p.setProperty("packages", String.join(",", spec.allPackages()));
        p.setProperty("mkosi", mkosi.text());
        p.setProperty("architecture", Architecture.host());
        p.setProperty("created", Instant.now().toString());
        Path tmp = dir.resolve(METADATA + ".tmp");
        try (var out = Files.newOutputStream(tmp)) {
            p.store(out, "bootimage cache entry; its presence means the entry is complete");
        }
        Files.move(tmp, dir.resolve(METADATA), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether an entry holds a complete image. */
    public static boolean isComplete(Path entry) {
        return Files.isRegularFile(entry.resolve(METADATA));
    }

    /** The metadata of a complete entry. */
    public static Properties metadata(Path entry) {
        Properties p = new Properties();
        try (var in = Files.newInputStream(entry.resolve(METADATA))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private void prepareRoot() {
        try {
            Files.createDirectories(root.resolve(".locks"));
            Files.createDirectories(root.resolve(".tmp"));
            Path probe = Files.createTempFile(root.resolve(".tmp"), "probe", "");
            Files.delete(probe);
            removeDeadBuilds();
        } catch (AccessDeniedException e) {
            throw new BootImageException("The image cache directory " + root + " is not writable (" + e.getMessage()
                    + "). Set bootimage.cache.dir to a writable directory, such as -Dbootimage.cache.dir=$HOME/.cache/bootimage.", e);
        } catch (FileSystemException e) {
            throw new BootImageException(diskMessage(e), e);
        } catch (IOException e) {
            throw new BootImageException("The image cache directory " + root + " cannot be used: " + e
                    + ". Set bootimage.cache.dir to a writable directory.", e);
        }
    }

    /** Removes temporary build directories of JVMs that are gone (a build killed midway). */
    private void removeDeadBuilds() throws IOException {
        try (var dirs = Files.list(root.resolve(".tmp"))) {
            for (Path d : dirs.toList()) {
                String[] parts = d.getFileName().toString().split("-");
                if (parts.length < 3) {
                    continue;
                }
                try {
                    long pid = Long.parseLong(parts[parts.length - 2]);
                    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        LOG.log(System.Logger.Level.WARNING, "Removing {0}, left by a build whose JVM (pid {1}) is gone", d, pid);
                        deleteTree(d);
                    }
                } catch (NumberFormatException ignored) {
                    // not one of ours
                }
            }
        }
    }

    private Path failedLog(Path entry) {
        return root.resolve(".failed").resolve(entry.getFileName() + ".log");
    }

    private static void touch(Path entry) {
        try {
            Path f = entry.resolve(LAST_USED);
            if (!Files.exists(f)) {
                Files.createFile(f);
            }
            Files.setLastModifiedTime(f, FileTime.from(Instant.now()));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Could not mark " + entry + " as used", e);
        }
    }

    /** Removes a directory tree (images hold device nodes and root-owned files: rm does it best). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            var r = io.github.bootimage.process.ProcessRunner.onHostPath()
                    .run(List.of("rm", "-rf", "--one-file-system", dir.toString()), Duration.ofMinutes(10));
            if (!r.succeeded()) {
                throw new BootImageException("Could not remove " + dir + (r.timedOut() ? " within 10 minutes" : "") + ": "
                        + r.output().strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not remove " + dir, e);
        }
    }
}
