package io.github.bootimage.image;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.github.bootimage.failure.Failures;

/**
 * Checks, before a build, that each http(s) repository of a dnf or zypper repository file answers for
 * its metadata ({@code repodata/repomd.xml}), so a wrong {@code baseurl} fails in seconds with a
 * message naming the file, the repository and the address, instead of deep in dnf's output.
 * Local directories ({@code file:}) are checked when the cache key is computed ({@link RepositoryFile}).
 */
final class RepositoryCheck {
    private RepositoryCheck() {
    }

    /**
     * @throws io.github.bootimage.ImageBuildException naming the file, repository, address and answer when the metadata is missing
     * @throws MirrorUnavailableException when the repository's server does not answer at all
     */
    static void check(ImageSpec spec, Duration timeout) {
        if (spec.distro().packageManager() != PackageManager.RPM) {
            return;
        }
        RepositoryFile f = RepositoryFile.read(spec.repositories(), spec.distro());
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        for (RepositoryFile.Repo r : f.repos().stream().filter(r -> !r.optional()).toList()) {
            for (String base : r.urls()) {
                if (!base.startsWith("http://") && !base.startsWith("https://")) {
                    continue;
                }
                String url = (base.endsWith("/") ? base : base + "/")
                        .replace("$releasever", spec.release()).replace("$basearch", "x86_64").replace("$arch", "x86_64")
                        + "repodata/repomd.xml";
                int status;
                try {
                    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
                    status = client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    throw new MirrorUnavailableException(spec.distro().name(), base + " (repository '" + r.id() + "' of "
                            + f.file() + ")", e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("The repository '" + r.id() + "' in " + f.file() + " has a baseurl that is"
                            + " not a valid URL (" + base + "): fix baseurl=.", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw Failures.repositoryCheckInterrupted(base, e);
                }
                if (status != 200) {
                    throw Failures.repositoryStatus(r.id(), f.file().toString(), status, url);
                }
            }
        }
    }
}
