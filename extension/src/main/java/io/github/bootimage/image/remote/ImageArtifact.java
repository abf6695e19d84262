package io.github.bootimage.image.remote;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The OCI artifact of one cached image: an image manifest ({@value #MANIFEST_TYPE}) whose
 * {@code artifactType} is {@value #ARTIFACT_TYPE}, whose config blob ({@value #CONFIG_TYPE}) holds the
 * entry's metadata, and whose single layer ({@value #LAYER_TYPE}, titled {@value #LAYER_TITLE}) is the
 * cache entry as a zstd tar. It is tagged {@code <distro>-<release>-<key>-<architecture>}: the content
 * key names what is in it, the architecture where it runs. The annotations repeat the metadata so
 * that listing a repository needs no blob.
 */
public final class ImageArtifact {
    private ImageArtifact() {
    }

    /** The artifact type: what the manifest describes (not a container image: no runtime runs it). */
    public static final String ARTIFACT_TYPE = "application/vnd.bootimage.image.v1";
    /** The config blob: the cache entry's metadata as JSON. */
    public static final String CONFIG_TYPE = "application/vnd.bootimage.image.config.v1+json";
    /** The one layer: the entry as a zstd-compressed tar, the standard OCI layer type, so any tool can open it. */
    public static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+zstd";
    /** The manifest: a plain OCI image manifest, which every registry since distribution 2.x stores. */
    public static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    /** The prefix of this project's annotations. */
    public static final String ANNOTATION = "io.github.bootimage.";
    /** The layer's file name, for {@code oras pull}. */
    public static final String LAYER_TITLE = "entry.tar.zst";

    /** The tag of an image: {@code <distro>-<release>-<key>-<architecture>}. */
    public static String tag(String distro, String release, String key, String architecture) {
        String t = (distro + "-" + release + "-" + key + "-" + architecture).replaceAll("[^A-Za-z0-9_.-]", "_");
        return t.length() > 128 ? t.substring(0, 128) : t;
    }

    /** The manifest's annotations (and the config blob's content): the entry's metadata. */
    static Map<String, String> annotations(Properties meta, String arch) {
        Map<String, String> a = new LinkedHashMap<>();
        for (String k : List.of("distro", "release", "key", "format", "kernel", "packages", "mkosi", "created")) {
            a.put(ANNOTATION + k, meta.getProperty(k, ""));
        }
        a.put(ANNOTATION + "architecture", arch);
        return a;
    }

    private static Map<String, String> withCreated(Map<String, String> a) {
        Map<String, String> m = new LinkedHashMap<>(a);
        m.put("org.opencontainers.image.created", a.get(ANNOTATION + "created"));
        return m;
    }

    /** The manifest, as it is pushed (its bytes are what its digest covers). */
    static String manifest(String configDigest, long configSize, String layerDigest, long layerSize,
                           Map<String, String> annotations) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\",\"artifactType\":\"" + ARTIFACT_TYPE
                + "\",\"config\":{\"mediaType\":\"" + CONFIG_TYPE + "\",\"digest\":\"" + configDigest + "\",\"size\":"
                + configSize + "},\"layers\":[{\"mediaType\":\"" + LAYER_TYPE + "\",\"digest\":\"" + layerDigest
                + "\",\"size\":" + layerSize + ",\"annotations\":{\"org.opencontainers.image.title\":\"" + LAYER_TITLE
                + "\"}}],\"annotations\":" + json(withCreated(annotations)) + "}";
    }

    static String json(Map<String, String> m) {
        StringBuilder b = new StringBuilder("{");
        m.forEach((k, v) -> b.append(b.length() == 1 ? "" : ",").append(quote(k)).append(':').append(quote(v)));
        return b.append('}').toString();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
