package io.github.bootimage.junit;

import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.github.bootimage.Machine;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.image.MirrorUnavailableException;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.Settings;

/** Boots machines into a context's store, where JUnit closes them when the context ends. */
final class Machines {
    private static final System.Logger LOG = System.getLogger(Machines.class.getName());

    private Machines() {
    }

    static Settings settings(ExtensionContext ec) {
        return new Settings(ec::getConfigurationParameter);
    }

    /**
     * The runtime of this test run: one per engine run, in the root context's store, which closes it
     * (and any machine still running) when the run ends.
     */
    static BootImageRuntime runtime(ExtensionContext ec) {
        ExtensionContext root = ec.getRoot();
        return root.getStore(BootImageExtension.NAMESPACE).computeIfAbsent(BootImageRuntime.class,
                k -> BootImageRuntime.create(settings(root)), BootImageRuntime.class);
    }

    /** The machines in a context's store and its ancestors'. */
    static java.util.List<ManagedMachine> inScope(ExtensionContext ec) {
        java.util.List<ManagedMachine> all = new java.util.ArrayList<>();
        for (java.util.Optional<ExtensionContext> c = java.util.Optional.of(ec); c.isPresent(); c = c.get().getParent()) {
            ExtensionContext.Store store = c.get().getStore(BootImageExtension.NAMESPACE);
            Object extra = store.get(EXTRA_KEYS);
            if (extra instanceof java.util.Set<?> keys) {
                for (Object key : keys) {
                    if (store.get(key) instanceof ManagedMachine m && !all.contains(m)) {
                        all.add(m);
                    }
                }
            }
        }
        return all;
    }

    private static final String EXTRA_KEYS = "bootimage.machine-keys";

    static Machine getOrBoot(ExtensionContext owner, Object key, Supplier<MachineRequest> request) {
        ExtensionContext.Store store = owner.getStore(BootImageExtension.NAMESPACE);
        Object existing = store.get(key);
        if (existing instanceof ManagedMachine m) {
            return m.machine();
        }
        if (existing instanceof MirrorUnavailableException e) {
            Assumptions.abort(e.getMessage());
        }
        Settings settings = settings(owner);
        MachineRequest r = request.get();
        try {
            BootImageRuntime runtime = runtime(owner);
            String keep = settings.keep();
            DefaultMachine m = runtime.boot(r);
            store.put(key, new ManagedMachine(m, runtime, keep));
            @SuppressWarnings("unchecked")
            java.util.Set<Object> keys = (java.util.Set<Object>) store.computeIfAbsent(EXTRA_KEYS,
                    k -> java.util.concurrent.ConcurrentHashMap.newKeySet());
            keys.add(key);
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
