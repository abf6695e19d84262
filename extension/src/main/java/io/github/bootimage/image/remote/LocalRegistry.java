package io.github.bootimage.image.remote;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.BootImageException;
import io.github.bootimage.process.ProcessRunner;

/**
 * Debian's {@code docker-registry} (the CNCF distribution registry) run as a child process on
 * 127.0.0.1, for the image tier's tests and the bench: optionally with TLS from a certificate made
 * here (openssl) and htpasswd basic authentication (apache2-utils), storing into a directory of the
 * caller's. {@link #close()} stops it; {@link #stop()} and {@link #start()} take it down and bring it
 * back on the same port and storage.
 */
public final class LocalRegistry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LocalRegistry.class.getName());

    private final Path dir;
    private final boolean tls;
    private final String user;
    private final String password;
    private final int port;
    private Process process;

    private LocalRegistry(Path dir, boolean tls, String user, String password, int port) {
        this.dir = dir;
        this.tls = tls;
        this.user = user;
        this.password = password;
        this.port = port;
    }

    /** A plain HTTP registry without authentication on a free loopback port. */
    public static LocalRegistry plain(Path dir) throws IOException {
        return open(dir, false, null, null);
    }

    /** A registry with TLS (a certificate for 127.0.0.1 made now: {@link #caPem()}) and basic authentication. */
    public static LocalRegistry secured(Path dir, String user, String password) throws IOException {
        return open(dir, true, user, password);
    }

    private static LocalRegistry open(Path dir, boolean tls, String user, String password) throws IOException {
        Files.createDirectories(dir.resolve("storage"));
        LocalRegistry r = new LocalRegistry(dir, tls, user, password, freePort());
        r.configure();
        r.start();
        return r;
    }

    private void configure() throws IOException {
        StringBuilder y = new StringBuilder("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + storage() + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: bootimage-test-" + port + "\n");
        if (tls) {
            run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", dir.resolve("key.pem").toString(),
                    "-out", caPem().toString()), "openssl (package openssl)");
            y.append("  tls:\n    certificate: ").append(caPem()).append("\n    key: ").append(dir.resolve("key.pem")).append('\n');
        }
        if (user != null) {
            String line = run(List.of("htpasswd", "-Bbn", user, password), "htpasswd (package apache2-utils)");
            Files.writeString(dir.resolve("htpasswd"), line.strip() + "\n");
            y.append("auth:\n  htpasswd:\n    realm: bootimage\n    path: ").append(dir.resolve("htpasswd")).append('\n');
        }
        Files.writeString(dir.resolve("config.yml"), y.toString());
    }

    /** Starts the registry (again) and waits until it accepts connections. */
    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("docker-registry", "serve", dir.resolve("config.yml").toString()));
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile())).start();
        } catch (IOException e) {
            throw new IOException("Could not start docker-registry (" + e.getMessage() + "): install the package"
                    + " docker-registry (scripts/setup-host.sh does)", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("docker-registry exited with code " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("registry.log")).strip());
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                LOG.log(System.Logger.Level.INFO, "docker-registry listens on 127.0.0.1:{0} ({1})", port, dir);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        stop();
        throw new IOException("docker-registry did not listen on 127.0.0.1:" + port + " within 15 s; its log: "
                + Files.readString(dir.resolve("registry.log")).strip());
    }

    /** Stops the registry (SIGTERM, then SIGKILL after 5 s); its storage stays. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process == null ? -1 : process.pid();
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return port;
    }

    /** {@code oci://127.0.0.1:PORT/REPOSITORY}, the value of {@code bootimage.cache.remote}. */
    public String url(String repository) {
        return "oci://127.0.0.1:" + port + "/" + repository;
    }

    /** The self-signed certificate of a TLS registry: the value of {@code bootimage.cache.remote.ca}. */
    public Path caPem() {
        return dir.resolve("cert.pem");
    }

    /** Where the registry keeps its blobs ({@code docker/registry/v2/blobs/sha256/xx/<hex>/data}). */
    public Path storage() {
        return dir.resolve("storage");
    }

    /** The file holding a blob of this registry's storage. */
    public Path blobFile(String digest) {
        String hex = digest.substring(digest.indexOf(':') + 1);
        return storage().resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String run(List<String> cmd, String what) throws IOException {
        ProcessRunner.Captured c;
        try {
            c = ProcessRunner.onHostPath().capture(cmd, null, null, java.time.Duration.ofMinutes(2));
        } catch (IOException e) {
            throw new IOException("Could not run " + what + ": " + e.getMessage() + " (scripts/setup-host.sh installs it)", e);
        }
        if (!c.result().succeeded()) {
            throw new IOException(what + (c.result().timedOut() ? " ran over 2 minutes and was stopped"
                    : " failed with exit code " + c.result().exitCode()) + ": " + c.stderr().strip());
        }
        return new String(c.stdout(), StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
