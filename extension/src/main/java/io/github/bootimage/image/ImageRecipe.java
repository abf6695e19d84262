package io.github.bootimage.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the cache builds for a spec: the configuration bootimage writes, the mkosi arguments that
 * read it, and the key that names the result. An image described by {@code @BootImage} attributes is
 * {@link #of(MkosiConfig)}; a user's own mkosi project is a {@link ProjectRecipe}.
 */
public interface ImageRecipe {

    /** The cache key: SHA-256 (hex) over everything that changes the image. */
    String key();

    /** Writes bootimage's configuration directory (the generated files and copies of trees and scripts). */
    void writeTo(Path dir) throws IOException;

    /** The arguments that point mkosi at the configuration written to {@code configDir}. */
    List<String> mkosiArguments(Path configDir);

    /**
     * A name for the installed-package layer mkosi's incremental cache keeps: builds that differ only in
     * trees and scripts share it.
     */
    String packageLayerKey(ImageSpec spec);

    /** The recipe of an image described by attributes: the generated configuration is the whole input. */
    static ImageRecipe of(MkosiConfig config) {
        return new ImageRecipe() {
            @Override
            public String key() {
                return config.key();
            }

            @Override
            public void writeTo(Path dir) throws IOException {
                config.writeTo(dir);
            }

            @Override
            public List<String> mkosiArguments(Path configDir) {
                return List.of("--directory", configDir.toString());
            }

            @Override
            public String packageLayerKey(ImageSpec spec) {
                return MkosiBuilder.packageLayerKey(spec);
            }
        };
    }
}
