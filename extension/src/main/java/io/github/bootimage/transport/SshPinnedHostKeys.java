package io.github.bootimage.transport;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;

/** Accepts exactly the host keys read from the guest. */
final class SshPinnedHostKeys implements HostKeyVerifier {
    private final List<String> blobs = new ArrayList<>();
    private final List<String> types = new ArrayList<>();

    SshPinnedHostKeys(List<String> lines) {
        for (String l : lines) {
            String[] f = l.strip().split("\\s+");
            if (f.length >= 2) {
                types.add(f[0]);
                blobs.add(f[1]);
            }
        }
    }

    static String blob(PublicKey key) {
        return Base64.getEncoder().encodeToString(new Buffer.PlainBuffer().putPublicKey(key).getCompactData());
    }

    @Override
    public boolean verify(String hostname, int port, PublicKey key) {
        boolean ok = blobs.contains(blob(key));
        if (!ok) {
            SshTransport.LOG.log(System.Logger.Level.WARNING, "SSH host key " + KeyType.fromKey(key) + " " + blob(key) + " of "
                    + hostname + ":" + port + " is not one of the pinned keys " + types);
        }
        return ok;
    }

    @Override
    public List<String> findExistingAlgorithms(String hostname, int port) {
        return List.copyOf(types);
    }
}
