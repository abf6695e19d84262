package io.github.bootimage.image;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks, before a build, that a distribution's mirror answers, so an unreachable one fails in
 * seconds with a message that names it instead of after a long mkosi run. Results are remembered for
 * the JVM's life.
 */
public class MirrorCheck {
    private static final Map<String, String> RESULTS = new ConcurrentHashMap<>();

    private final Duration timeout;

    public MirrorCheck(Duration timeout) {
        this.timeout = timeout;
    }

    /** A check that never fails (for tests that do not touch the network). */
    public static MirrorCheck none() {
        return new MirrorCheck(Duration.ZERO) {
            @Override
            public void check(ImageSpec spec) {
            }
        };
    }

    /** The address probed for a spec: its own mirror, or the distribution's default. */
    public static String probeAddress(ImageSpec spec) {
        return spec.mirror() != null ? spec.mirror() : spec.distro().mirrorProbe();
    }

    /**
     * @throws MirrorUnavailableException naming the mirror and the setting that changes it
     */
    public void check(ImageSpec spec) {
        if (spec.repositories() != null) {
            RepositoryCheck.check(spec, timeout);
            return;
        }
        String url = probeAddress(spec);
        String failure = RESULTS.computeIfAbsent(url, this::probe);
        if (!failure.isEmpty()) {
            throw new MirrorUnavailableException(spec.distro().name(), url, failure);
        }
    }

    /** Empty when the address answers, else why not. */
    public String probe(String url) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<Void> r = client.send(req, HttpResponse.BodyHandlers.discarding());
            return r.statusCode() < 500 ? "" : "it answered HTTP " + r.statusCode();
        } catch (IOException e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return "the address is not a valid URL (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
