package io.github.bootimage.image;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Serves the host directories that a repository file names with {@code file:} baseurls on 127.0.0.1
 * while mkosi runs (mkosi's sandbox does not see host paths), and writes their addresses into the
 * generated repository file in place of {@link RepositoryFile#PLACEHOLDER}. The ports are chosen by
 * the system for each build and never reach the cache key. Closing stops the servers.
 */
final class LocalRepositoryServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LocalRepositoryServer.class.getName());

    private final List<HttpServer> servers;
    private final ExecutorService pool;

    private LocalRepositoryServer(List<HttpServer> servers, ExecutorService pool) {
        this.servers = servers;
        this.pool = pool;
    }

    /**
     * Starts a server per local directory of the spec's repository file and fills in the addresses in
     * the configuration directory's repository file. Does nothing (and closes as nothing) when there are none.
     */
    public static LocalRepositoryServer serve(ImageSpec spec, Path configDir) throws IOException {
        if (spec.repositories() == null) {
            return new LocalRepositoryServer(List.of(), null);
        }
        List<Path> dirs = RepositoryFile.read(spec.repositories(), spec.distro()).localDirectories();
        if (dirs.isEmpty()) {
            return new LocalRepositoryServer(List.of(), null);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "bootimage-local-repository");
            t.setDaemon(true);
            return t;
        });
        List<HttpServer> started = new ArrayList<>();
        LocalRepositoryServer s = new LocalRepositoryServer(started, pool);
        try {
            List<String> files;
            try (var walk = Files.walk(configDir.resolve("pkgmngr"))) {
                files = walk.filter(p -> p.toString().endsWith(".repo")).map(Path::toString).toList();
            }
            for (int i = 0; i < dirs.size(); i++) {
                Path root = dirs.get(i);
                HttpServer h = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
                h.createContext("/", ex -> handle(root, ex));
                h.setExecutor(pool);
                h.start();
                started.add(h);
                String placeholder = String.format(Locale.ROOT, RepositoryFile.PLACEHOLDER, i);
                for (String f : files) {
                    Path p = Path.of(f);
                    Files.writeString(p, Files.readString(p).replace(placeholder, String.valueOf(h.getAddress().getPort())));
                }
                LOG.log(System.Logger.Level.INFO, "Serving the local repository {0} on http://127.0.0.1:{1}/ for {2}",
                        root, String.valueOf(h.getAddress().getPort()), spec.label());
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static void handle(Path root, HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            Path p = root.resolve(ex.getRequestURI().getPath().replaceFirst("^/+", "")).normalize();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            if (!p.startsWith(root) || !Files.isRegularFile(p)) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            long size = Files.size(p);
            if (method.equals("HEAD")) {
                ex.getResponseHeaders().add("Content-Length", String.valueOf(size));
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, size == 0 ? -1 : size);
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(p, out);
            }
        }
    }

    @Override
    public void close() {
        for (HttpServer h : servers) {
            h.stop(0);
        }
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** The ports in use (for tests). */
    List<Integer> ports() {
        return servers.stream().map(h -> h.getAddress().getPort()).toList();
    }
}
