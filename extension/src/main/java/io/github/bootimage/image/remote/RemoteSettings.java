package io.github.bootimage.image.remote;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.bootimage.runtime.Settings;

/**
 * The {@code bootimage.cache.remote.*} settings, checked: where the shared cache is, who we are to it
 * and how to trust it.
 *
 * @param url        the setting as given, {@code oci://HOST[:PORT]/REPOSITORY}
 * @param host       the registry's host name or address
 * @param port       its port, or -1 for the scheme's default
 * @param repository the repository holding the project's images
 * @param username   the user name (null: from the Docker/Podman credential file, or anonymous)
 * @param password   the password or token that goes with {@code username}
 * @param credentials where the credentials come from, for messages
 * @param ca         a PEM file of CA certificates trusted besides the system's (null: the system's only)
 * @param insecure   plain HTTP allowed for a host that is not loopback
 * @param timeout    how long one pull or push may take before the registry counts as too slow
 */
public record RemoteSettings(String url, String host, int port, String repository, String username, String password,
                             String credentials, Path ca, boolean insecure, Duration timeout) {

    /** The user name's environment variable (beside {@code bootimage.cache.remote.username}). */
    public static final String USERNAME_ENV = "BOOTIMAGE_CACHE_REMOTE_USERNAME";
    /** The password's environment variable (beside {@code bootimage.cache.remote.password}). */
    public static final String PASSWORD_ENV = "BOOTIMAGE_CACHE_REMOTE_PASSWORD";

    private static final Pattern URL = Pattern.compile("oci://(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+)(?::(\\d{1,5}))?/(.+)");
    private static final Pattern REPOSITORY = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final String FORM = "use oci://HOST[:PORT]/REPOSITORY, such as oci://registry.example.com/team/bootimage-images";

    /** The remote cache of these settings, if {@code bootimage.cache.remote} is set. */
    public static Optional<RemoteSettings> of(Settings s) {
        return of(s, System.getenv());
    }

    static Optional<RemoteSettings> of(Settings s, Map<String, String> env) {
        Optional<String> url = s.get("cache.remote");
        if (url.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = URL.matcher(url.get());
        if (!m.matches()) {
            throw bad("cache.remote", url.get(), FORM);
        }
        String host = m.group(1);
        int port = -1;
        if (m.group(2) != null) {
            port = Integer.parseInt(m.group(2));
            if (port < 1 || port > 65535) {
                throw bad("cache.remote", url.get(), "a port from 1 to 65535; " + FORM);
            }
        }
        String repo = m.group(3).replaceAll("/+$", "");
        if (!REPOSITORY.matcher(repo).matches()) {
            throw bad("cache.remote", url.get(), "a repository name of lower-case letters, digits, '.', '_', '-' and '/'"
                    + " (OCI distribution rules); " + FORM);
        }
        String user = s.get("cache.remote.username").orElse(env.get(USERNAME_ENV));
        String password = s.get("cache.remote.password").orElse(env.get(PASSWORD_ENV));
        String source;
        if (user != null && password == null) {
            throw new IllegalArgumentException("bootimage.cache.remote.username is set but no password: set "
                    + "bootimage.cache.remote.password or the environment variable " + PASSWORD_ENV);
        } else if (user == null && password != null) {
            throw new IllegalArgumentException("bootimage.cache.remote.password is set but no user name: set "
                    + "bootimage.cache.remote.username or the environment variable " + USERNAME_ENV);
        } else if (user != null) {
            source = s.get("cache.remote.username").isPresent() ? "bootimage.cache.remote.username/password"
                    : USERNAME_ENV + "/" + PASSWORD_ENV;
        } else {
            String file = env.get("REGISTRY_AUTH_FILE");
            source = file != null ? "$REGISTRY_AUTH_FILE (" + file + ")"
                    : Path.of(System.getProperty("user.home"), ".docker", "config.json") + " (or the Podman auth file), if it names " + host;
        }
        Path ca = s.get("cache.remote.ca").map(Path::of).map(Path::toAbsolutePath).orElse(null);
        if (ca != null && !Files.isReadable(ca)) {
            throw bad("cache.remote.ca", ca.toString(), "a readable PEM file of the CA certificates that sign the registry's"
                    + " certificate (it does not exist or cannot be read)");
        }
        String ins = s.get("cache.remote.insecure").orElse("false").toLowerCase(Locale.ROOT);
        if (!ins.equals("true") && !ins.equals("false")) {
            throw bad("cache.remote.insecure", ins, "true (plain HTTP) or false (TLS, the default)");
        }
        Duration timeout = s.get("cache.remote.timeout").map(v -> Settings.duration("cache.remote.timeout", v))
                .orElse(Duration.ofMinutes(10));
        return Optional.of(new RemoteSettings(url.get(), host, port, repo, user, password, source, ca,
                ins.equals("true"), timeout));
    }

    /** {@code HOST[:PORT]}, as registries and credential files name it. */
    public String registry() {
        return port < 0 ? host : host + ":" + port;
    }

    /** Whether the host is a loopback address, where plain HTTP is allowed without {@code insecure}. */
    public boolean loopback() {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+") && !h.contains(":")) {
            return false; // a name: never resolved just to decide this
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "RemoteSettings[" + url + ", credentials from " + credentials + (ca == null ? "" : ", ca " + ca)
                + (insecure ? ", insecure" : "") + ", timeout " + timeout + "]";
    }

    private static IllegalArgumentException bad(String key, String value, String accepted) {
        return new IllegalArgumentException("bootimage." + key + " = '" + value + "' is not valid: " + accepted);
    }
}
