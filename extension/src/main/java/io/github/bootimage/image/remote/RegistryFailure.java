package io.github.bootimage.image.remote;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import land.oras.exception.OrasException;

/**
 * A registry operation that failed, with the reason in words and the fix. {@link #lasting()} tells
 * whether the registry should be left alone for the rest of the run (down, too slow, refusing us),
 * rather than one image's trouble (a corrupt blob, a full disk on one upload).
 */
public final class RegistryFailure extends Exception {
    private final boolean lasting;

    RegistryFailure(String message, boolean lasting, Throwable cause) {
        super(message, cause);
        this.lasting = lasting;
    }

    /** Whether the registry cannot be used for the rest of this run. */
    public boolean lasting() {
        return lasting;
    }

    /** Explains what went wrong talking to the registry of {@code s}. */
    static RegistryFailure explain(RemoteSettings s, Throwable t) {
        if (t instanceof RegistryFailure f) {
            return f;
        }
        Throwable root = t;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof SSLException
                    || c instanceof HttpTimeoutException || c instanceof TimeoutException
                    || c instanceof ClosedChannelException || c instanceof java.io.EOFException) {
                root = c;
                break;
            }
            if (c instanceof OrasException o && o.getStatusCode() != null && o.getStatusCode() > 0) {
                root = c;
                break;
            }
            if (c.getCause() == null || c.getCause() == c) {
                root = c;
                break;
            }
        }
        String where = s.registry();
        if (root instanceof UnknownHostException) {
            return new RegistryFailure("the host " + s.host() + " is unknown (" + root.getMessage()
                    + "): fix the host in bootimage.cache.remote", true, t);
        }
        if (root instanceof HttpConnectTimeoutException || root instanceof ConnectException) {
            return new RegistryFailure("nothing answers at " + where + " (" + describe(root) + "): start the registry,"
                    + " or fix bootimage.cache.remote", true, t);
        }
        if (root instanceof HttpTimeoutException || root instanceof TimeoutException) {
            return new RegistryFailure("the registry at " + where + " did not answer in time (" + describe(root)
                    + "): it is too slow or hangs; raise bootimage.cache.remote.timeout (now " + s.timeout()
                    + ") or check the registry and the network", true, t);
        }
        if (root instanceof SSLException) {
            return new RegistryFailure("TLS with " + where + " failed (" + describe(root) + "): set bootimage.cache.remote.ca"
                    + " to the PEM file of the CA that signed the registry's certificate, or, for a registry that speaks"
                    + " plain HTTP, bootimage.cache.remote.insecure=true", true, t);
        }
        if (root instanceof OrasException o && (o.getStatusCode() == null || o.getStatusCode() <= 0)
                && o.getMessage() != null && o.getMessage().contains("\"errors\"")) {
            // The registry's own error document, without the status code (ORAS reports a failed upload so).
            return new RegistryFailure("the registry at " + where + " could not store or serve the image ("
                    + oneLine(o.getMessage()) + "): it may be out of space or broken; ask its operator to free space or"
                    + " run its garbage collection", false, t);
        }
        if (root instanceof OrasException o && o.getStatusCode() != null && o.getStatusCode() > 0) {
            int code = o.getStatusCode();
            String detail = oneLine(o.getMessage());
            if (code == 401) {
                return new RegistryFailure("the registry at " + where + " refused the credentials (HTTP 401; credentials"
                        + " from " + s.credentials() + "): set bootimage.cache.remote.username and"
                        + " bootimage.cache.remote.password (or " + RemoteSettings.USERNAME_ENV + " and "
                        + RemoteSettings.PASSWORD_ENV + "), or run 'docker login " + where + "'", true, t);
            }
            if (code == 403) {
                return new RegistryFailure("the registry at " + where + " denied access to the repository " + s.repository()
                        + " (HTTP 403: " + detail + "): ask for pull and push rights on it, or set bootimage.cache.remote to"
                        + " a repository these credentials may use", true, t);
            }
            if (code == 413 || code == 507 || code >= 500) {
                return new RegistryFailure("the registry at " + where + " could not store or serve the image (HTTP " + code
                        + ": " + detail + "): it may be out of space or broken; ask its operator to free space or run its"
                        + " garbage collection", false, t);
            }
            return new RegistryFailure("the registry at " + where + " answered HTTP " + code + " (" + detail + ")", false, t);
        }
        if (root instanceof ClosedChannelException || root instanceof java.io.EOFException
                || root instanceof java.io.IOException) {
            return new RegistryFailure("the connection to " + where + " broke (" + describe(root) + "): check that the"
                    + " registry is running", true, t);
        }
        return new RegistryFailure("talking to " + where + " failed: " + describe(root), false, t);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + oneLine(m));
    }

    private static String oneLine(String m) {
        if (m == null) {
            return "";
        }
        String s = m.strip().replaceAll("\\s+", " ");
        // The registry's own detail (such as "no space left on device") comes last: keep both ends.
        return s.length() > 600 ? s.substring(0, 300) + " ... " + s.substring(s.length() - 300) : s;
    }
}
