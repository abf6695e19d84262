package io.github.bootimage.fake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.bootimage.image.ImageBuilder;
import io.github.bootimage.image.ImageSpec;

/** Writes an empty directory image, without mkosi: the image cache's own code runs around it. */
public final class FakeImageBuilder implements ImageBuilder {
    @Override
    public void build(ImageSpec spec, Path configDir, Path outputDir, Path logFile) {
        try {
            Files.createDirectories(outputDir.resolve("image"));
            Files.writeString(logFile, "local build of " + spec.label() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
