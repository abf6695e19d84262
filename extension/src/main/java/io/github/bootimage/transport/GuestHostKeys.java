package io.github.bootimage.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;


import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.failure.Failures;
import io.github.bootimage.process.Waits;

/**
 * Reads the guest's SSH host public keys over its console (to pin them before the first SSH
 * connection), and waits until root's {@code authorized_keys} holds the machine's key (systemd installs
 * it from the {@code ssh.authorized_keys.root} credential early in boot). Host keys the image lacks are
 * generated first with {@code ssh-keygen -A}.
 */
final class GuestHostKeys {
    private static final String MARK = "@@BI-KEY-INSTALLED";
    private static final String SCRIPT = "test -e /etc/ssh/ssh_host_ed25519_key || ssh-keygen -A >/dev/null 2>&1;"
            + " cat /etc/ssh/ssh_host_*_key.pub 2>/dev/null;"
            + " if grep -qF \"$1\" /root/.ssh/authorized_keys 2>/dev/null; then echo " + MARK + "; fi";

    private GuestHostKeys() {
    }

    static List<String> read(SshTarget t, ConsoleTransport console, Duration timeout) {
        String[] pub = t.keys().authorizedKey().strip().split("\\s+");
        String keyBlob = pub.length >= 2 ? pub[1] : pub[0];
        AtomicReference<ExecResult> last = new AtomicReference<>();
        AtomicReference<List<String>> keys = new AtomicReference<>(List.of());
        Waits.Outcome o = Waits.until("host keys and authorized key of machine " + t.machine(), timeout,
                Duration.ofMillis(100), () -> !t.alive().getAsBoolean(), () -> {
                    ExecResult r = console.exec(ExecRequest.of("sh", "-c", SCRIPT, "sh", keyBlob), Duration.ofSeconds(30));
                    last.set(r);
                    List<String> k = new ArrayList<>();
                    for (String l : r.stdout().split("\n")) {
                        if (l.matches("(ssh-|ecdsa-)\\S+ [A-Za-z0-9+/=]+.*")) {
                            k.add(l.strip());
                        }
                    }
                    keys.set(k);
                    return !k.isEmpty() && r.stdout().contains(MARK);
                });
        if (o == Waits.Outcome.MET) {
            return keys.get();
        }
        throw Failures.sshSetupFailed(t.machine(), o == Waits.Outcome.IMPOSSIBLE, timeout, keys.get().isEmpty(),
                last.get() == null ? null : last.get().toString(), t.tail());
    }
}
