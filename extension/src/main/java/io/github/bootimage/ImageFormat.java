package io.github.bootimage;

/** What mkosi produces. */
public enum ImageFormat {
    /** A directory tree: boots in nspawn directly, and in qemu through a disk made from it. */
    DIRECTORY,
    /** A GPT disk image with a root partition typed per the Discoverable Partitions Specification. */
    DISK
}
