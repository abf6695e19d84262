package io.github.bootimage.junit;

import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.github.bootimage.Machine;
import io.github.bootimage.image.MirrorUnavailableException;
import io.github.bootimage.internal.MachineFactory;
import io.github.bootimage.internal.MachineRequest;
import io.github.bootimage.internal.Settings;

/** Boots machines into a context's store, where JUnit closes them when the context ends. */
final class Machines {
    private static final System.Logger LOG = System.getLogger(Machines.class.getName());

    private Machines() {
    }

    static Settings settings(ExtensionContext ec) {
        return new Settings(ec::getConfigurationParameter);
    }

    static Machine getOrBoot(ExtensionContext owner, Object key, Supplier<MachineRequest> request) {
        ExtensionContext.Store store = owner.getStore(BootImageExtension.NAMESPACE);
        Object existing = store.get(key);
        if (existing instanceof Machine m) {
            return m;
        }
        if (existing instanceof MirrorUnavailableException e) {
            Assumptions.abort(e.getMessage());
        }
        Settings settings = settings(owner);
        MachineRequest r = request.get();
        try {
            Machine m = MachineFactory.shared(settings).boot(r);
            store.put(key, m);
            return m;
        } catch (MirrorUnavailableException e) {
            if ("skip".equals(settings.unavailable())) {
                store.put(key, e);
                // Said in the log too: build tools (surefire) do not report a class aborted in its set-up.
                LOG.log(System.Logger.Level.WARNING, "Skipping {0} (bootimage.unavailable=skip): {1}",
                        r.owner(), e.getMessage());
                Assumptions.abort("Skipped: " + e.getMessage());
            }
            throw e;
        }
    }
}
