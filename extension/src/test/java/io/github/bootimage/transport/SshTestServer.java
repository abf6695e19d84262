package io.github.bootimage.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/** An in-process Apache MINA sshd whose commands run in a real local {@code sh -c}. Test scope only. */
final class SshTestServer implements AutoCloseable {
    final SshServer sshd;
    final KeyPair hostKey;
    volatile boolean acceptKeys = true;

    SshTestServer(String authorizedKey) throws Exception {
        hostKey = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
        sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        String[] wanted = authorizedKey.strip().split("\\s+");
        sshd.setPublickeyAuthenticator((user, key, session) -> acceptKeys && "root".equals(user)
                && line(key).equals(wanted[0] + " " + wanted[1]));
        sshd.setCommandFactory((channel, command) -> new LocalShell(refuseAgents && command.contains("bootimage-agent-")
                ? "echo 'bash: command not found' >&2; exit 127" : command));
        sshd.start();
    }

    static String line(PublicKey key) {
        String[] f = PublicKeyEntry.toString(key).split("\\s+");
        return f[0] + " " + f[1];
    }

    /** Whether a session that starts the agent fails at once, as on a guest without bash. */
    volatile boolean refuseAgents;

    int port() {
        return sshd.getPort();
    }

    String hostKeyLine() {
        return line(hostKey.getPublic());
    }

    /** Drops every connection from the server side. */
    void dropConnections() throws IOException {
        for (var s : List.copyOf(sshd.getActiveSessions())) {
            s.close(true);
        }
    }

    @Override
    public void close() throws IOException {
        sshd.stop(true);
    }

    /** Runs the command in {@code sh -c} and pipes its streams to the channel. */
    static final class LocalShell implements Command {
        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private volatile Process process;

        LocalShell(String command) {
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            Process p = new ProcessBuilder("sh", "-c", command).start();
            process = p;
            Thread feed = pump(in, p.getOutputStream(), true);
            Thread o = pump(p.getInputStream(), out, false);
            Thread e = pump(p.getErrorStream(), err, false);
            Thread waiter = new Thread(() -> {
                try {
                    int rc = p.waitFor();
                    o.join();
                    e.join();
                    feed.interrupt();
                    exit.onExit(rc);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }, "mina-wait");
            waiter.setDaemon(true);
            waiter.start();
        }

        private static Thread pump(InputStream from, OutputStream to, boolean closeTo) {
            Thread t = new Thread(() -> {
                byte[] b = new byte[8192];
                int n;
                try {
                    while ((n = from.read(b)) > 0) {
                        to.write(b, 0, n);
                        to.flush();
                    }
                } catch (IOException ignored) {
                    // the other side closed
                } finally {
                    if (closeTo) {
                        try {
                            to.close();
                        } catch (IOException ignored) {
                            // already closed
                        }
                    }
                }
            }, "mina-pump");
            t.setDaemon(true);
            t.start();
            return t;
        }

        @Override
        public void destroy(ChannelSession channel) {
            Process p = process;
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }
}
