package io.github.bootimage.image;

import java.nio.file.Path;

/** Builds an image from a written mkosi configuration directory into an output directory. */
public interface ImageBuilder {

    /**
     * Builds the image.
     *
     * @param spec      what is built (for messages)
     * @param configDir the written configuration
     * @param outputDir an empty directory that receives {@code image} (or {@code image.raw}) and
     *                  the kernel and initrd when there are any
     * @param logFile   the build log: mkosi's output, a line at a time
     * @throws io.github.bootimage.ImageBuildException when the build fails
     */
    void build(ImageSpec spec, Path configDir, Path outputDir, Path logFile);

    /**
     * Builds the image of a recipe whose configuration was written to {@code configDir}; builders that
     * only know generated configurations build that directory.
     */
    default void build(ImageSpec spec, ImageRecipe recipe, Path configDir, Path outputDir, Path logFile) {
        build(spec, configDir, outputDir, logFile);
    }
}
