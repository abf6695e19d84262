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

    /**
     * The base image this recipe's build starts from (mkosi {@code --base-tree}): empty for a full build.
     */
    default java.util.Optional<Path> baseTree() {
        return java.util.Optional.empty();
    }

    /**
     * The recipe of an image described by attributes, built on the base image of key {@code baseKey}: the
     * key covers the configuration and the base's key, so a changed base changes its dependents' keys.
     */
    static ImageRecipe layered(MkosiConfig config, String baseKey) {
        String key = layeredKey(config.key(), baseKey);
        return new ForwardingRecipe(of(config)) {
            @Override
            public String key() {
                return key;
            }

            @Override
            public boolean layered() {
                return true;
            }
        };
    }

    /**
     * Whether mkosi keeps an incremental cache of this recipe's package layer: not for a build on a base tree
     * (mkosi keeps none), nor for a base image (rebuilt rarely; its dependents rebuild on it, not on a cache).
     */
    default boolean incremental() {
        return baseTree().isEmpty();
    }

    /** A base image's recipe: {@link #of(MkosiConfig)} without mkosi's incremental cache. */
    static ImageRecipe base(MkosiConfig config) {
        return new ForwardingRecipe(of(config)) {
            @Override
            public boolean incremental() {
                return false;
            }
        };
    }

    /** Whether this recipe is built on its spec's base image ({@link ImageCache#baseOf}). */
    default boolean layered() {
        return false;
    }

    /** The key of an image of configuration key {@code own} built on the base of key {@code baseKey}. */
    static String layeredKey(String own, String baseKey) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(
                    ("layered\0" + own + "\0base\0" + baseKey).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** This recipe built on the base image tree {@code base}. */
    default ImageRecipe onBase(Path base) {
        return new ForwardingRecipe(this) {
            @Override
            public List<String> mkosiArguments(Path configDir) {
                List<String> args = new java.util.ArrayList<>(super.mkosiArguments(configDir));
                args.addAll(List.of("--base-tree", base.toString()));
                return args;
            }

            @Override
            public java.util.Optional<Path> baseTree() {
                return java.util.Optional.of(base);
            }
        };
    }

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
