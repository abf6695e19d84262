package io.github.bootimage.image;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A second level of the image cache shared across machines (an OCI registry: see
 * {@code io.github.bootimage.image.remote}). {@link ImageCache} asks it before building and hands it
 * every image it built. Its methods never throw for trouble with the remote side: they warn, with
 * the reason and the fix, and answer false, and the image is built (or kept) locally.
 */
public interface RemoteCache {

    /** No remote: every miss builds. */
    RemoteCache NONE = new RemoteCache() {
        @Override
        public String describe() {
            return "none";
        }

        @Override
        public boolean pull(ImageSpec spec, String key, Path target, Instant notBefore) {
            return false;
        }

        @Override
        public boolean push(Path entry) {
            return false;
        }
    };

    /** Where the images are shared, for messages (such as {@code oci://registry:5000/team/images}). */
    String describe();

    /**
     * Fetches the image of a key into {@code target} (which does not exist yet): on true it holds a
     * complete entry, {@link ImageCache#METADATA} included, verified against its digest.
     *
     * @param notBefore an artifact built before this instant is too old and not taken (null: any age)
     * @return false when the remote has no such image, or it is too old, or the remote cannot be used
     */
    boolean pull(ImageSpec spec, String key, Path target, Instant notBefore);

    /**
     * Uploads a complete cache entry.
     *
     * @return false when it could not (the reason was logged as a warning)
     */
    boolean push(Path entry);
}
