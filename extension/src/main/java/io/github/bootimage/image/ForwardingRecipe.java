package io.github.bootimage.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A recipe that forwards to another and changes only what a subclass overrides. {@link #incremental()} is
 * not forwarded: it follows this recipe's own {@link #baseTree()}.
 */
abstract class ForwardingRecipe implements ImageRecipe {
    private final ImageRecipe delegate;

    ForwardingRecipe(ImageRecipe delegate) {
        this.delegate = delegate;
    }

    @Override
    public String key() {
        return delegate.key();
    }

    @Override
    public void writeTo(Path dir) throws IOException {
        delegate.writeTo(dir);
    }

    @Override
    public List<String> mkosiArguments(Path configDir) {
        return delegate.mkosiArguments(configDir);
    }

    @Override
    public String packageLayerKey(ImageSpec spec) {
        return delegate.packageLayerKey(spec);
    }

    @Override
    public Optional<Path> baseTree() {
        return delegate.baseTree();
    }

    @Override
    public boolean layered() {
        return delegate.layered();
    }
}
