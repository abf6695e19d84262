package io.github.bootimage.transport;

import java.nio.charset.Charset;

import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.SessionChannel;
import net.schmizz.sshj.transport.TransportException;

/**
 * A session channel whose {@code exec} request asks for no reply: the command's output, exit status and
 * close follow as usual, one round trip to the guest sooner. sshd answers a failed exec only when asked,
 * so a command sshd could not start shows as a session that never ends (the command's timeout).
 */
final class SshExecChannel extends SessionChannel {

    private SshExecChannel(net.schmizz.sshj.connection.Connection conn, Charset remoteCharset) {
        super(conn, remoteCharset);
    }

    /** Opens a session channel on the client's connection (what {@link SSHClient#startSession()} does). */
    static SshExecChannel open(SSHClient client) throws ConnectionException, TransportException {
        if (!client.isConnected() || !client.isAuthenticated()) {
            throw new IllegalStateException("the SSH connection is not connected and authenticated");
        }
        SshExecChannel c = new SshExecChannel(client.getConnection(), client.getRemoteCharset());
        c.open();
        return c;
    }

    /** Sends the exec request without waiting for sshd's reply. */
    Session.Command execNoReply(String command) throws TransportException {
        sendChannelRequest("exec", false, new Buffer.PlainBuffer().putString(command, getRemoteCharset()));
        return this;
    }
}
