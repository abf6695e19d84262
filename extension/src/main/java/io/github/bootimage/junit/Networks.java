package io.github.bootimage.junit;

import java.util.Optional;

import org.junit.jupiter.api.extension.ExtensionContext;

import io.github.bootimage.boot.net.HostNames;
import io.github.bootimage.boot.net.NetworkRequest;
import io.github.bootimage.boot.net.NetworkScope;
import io.github.bootimage.runtime.MachineRequest;

/**
 * Named networks on the JUnit side: a declaration's host name from its field's or parameter's name, and
 * the scope its network is looked up in, one per test class instance tree (nested classes share their
 * outer class's; each matrix invocation has its own), kept in that tree's outermost class context, where
 * JUnit closes it after the machines stored there.
 */
final class Networks {
    private Networks() {
    }

    /**
     * The request with its declaration's place, default host name and network scope.
     *
     * @param declaredName the field's or parameter's name, or null when there is none (a class-level machine,
     *                     a parameter compiled without {@code -parameters})
     */
    static MachineRequest attach(ExtensionContext ec, MachineRequest r, String declaredName, String where) {
        NetworkRequest n = r.network();
        String hostname = n.hostname() != null ? n.hostname() : HostNames.fromName(declaredName);
        return r.withNetwork(new NetworkRequest(n.network(), hostname, where, n.named() ? scope(ec) : null));
    }

    static NetworkScope scope(ExtensionContext ec) {
        ExtensionContext root = scopeContext(ec);
        return root.getStore(BootImageExtension.NAMESPACE).computeIfAbsent(ScopeKey.INSTANCE,
                k -> new NetworkScope(root.getDisplayName()), NetworkScope.class);
    }

    /** The outermost class context of ec's tree, or the matrix invocation ec runs in. */
    static ExtensionContext scopeContext(ExtensionContext ec) {
        String matrixOwner = MatrixSupport.entry(ec).map(MatrixEntry::ownerId).orElse(null);
        ExtensionContext c = ec;
        while (true) {
            if (c.getUniqueId().equals(matrixOwner)) {
                return c;
            }
            Optional<ExtensionContext> p = c.getParent();
            if (p.isEmpty() || p.get().getTestClass().isEmpty()) {
                return c;
            }
            c = p.get();
        }
    }

    enum ScopeKey { INSTANCE }
}
