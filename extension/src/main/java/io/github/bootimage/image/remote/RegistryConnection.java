package io.github.bootimage.image.remote;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import land.oras.Registry;
import land.oras.auth.AuthStoreAuthenticationProvider;
import land.oras.exception.OrasException;

/**
 * Opens the registry: decides the scheme (TLS, or plain HTTP for a loopback registry that does not
 * speak TLS or with {@code insecure=true}), trusts the system's CAs plus {@code bootimage.cache.remote.ca},
 * and checks with one request to {@code /v2/} that the registry answers and, where it asks for basic
 * authentication, that it takes the credentials: so a run learns of a dead registry or a wrong
 * password in one short request, with a message that says so.
 */
final class RegistryConnection {
    private static final System.Logger LOG = System.getLogger(RegistryConnection.class.getName());

    private final RemoteSettings s;

    RegistryConnection(RemoteSettings s) {
        this.s = s;
    }

    Registry open() throws RegistryFailure {
        String pem = s.insecure() ? null : trustedPem();
        boolean http = s.insecure();
        if (!http) {
            try {
                probe("https", pem);
            } catch (RegistryFailure tls) {
                if (!s.loopback() || !(tls.getCause() instanceof SSLException)) {
                    throw tls;
                }
                // A loopback registry may speak plain HTTP; if it does not either, the TLS failure is the story.
                try {
                    probe("http", null);
                } catch (RegistryFailure plain) {
                    throw tls;
                }
                LOG.log(System.Logger.Level.INFO, "{0} does not speak TLS; plain HTTP on loopback", s.registry());
                http = true;
            }
        } else {
            probe("http", null);
        }
        Registry.Builder b = Registry.builder().withInsecure(http).withParallelism(1)
                .withExecutorService(java.util.concurrent.Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "bootimage-registry-transfer");
                    t.setDaemon(true);
                    return t;
                }));
        if (pem != null && !http) {
            b = b.withCaContent(pem);
        }
        if (s.username() != null) {
            b = b.defaults(s.username(), s.password());
        } else {
            b = b.withAuthProvider(new AuthStoreAuthenticationProvider());
        }
        return b.build();
    }

    private void probe(String scheme, String pem) throws RegistryFailure {
        Duration probeTimeout = s.timeout().compareTo(Duration.ofSeconds(10)) < 0 ? s.timeout() : Duration.ofSeconds(10);
        URI uri = URI.create(scheme + "://" + s.registry() + "/v2/");
        try {
            HttpClient.Builder cb = HttpClient.newBuilder().connectTimeout(probeTimeout);
            if (pem != null) {
                cb.sslContext(sslContext(pem));
            }
            HttpClient c = cb.build();
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(probeTimeout).GET();
            HttpResponse<String> r = c.send(rb.build(), HttpResponse.BodyHandlers.ofString());
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            if (r.statusCode() == 401 && challenge.regionMatches(true, 0, "Basic", 0, 5) && s.username() != null) {
                String basic = Base64.getEncoder().encodeToString((s.username() + ":" + s.password())
                        .getBytes(StandardCharsets.UTF_8));
                r = c.send(HttpRequest.newBuilder(uri).timeout(probeTimeout).header("Authorization", "Basic " + basic).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 401) {
                    throw RegistryFailure.explain(s, new OrasException(401, "basic authentication refused"));
                }
            } else if (r.statusCode() == 401 && s.username() == null && !challenge.regionMatches(true, 0, "Bearer", 0, 6)
                    && new AuthStoreAuthenticationProvider().getAuthHeader(
                            land.oras.ContainerRef.parse(s.registry() + "/" + s.repository() + ":probe")) == null) {
                throw RegistryFailure.explain(s, new OrasException(401, "the registry wants credentials and none are set"));
            }
            if (r.statusCode() != 200 && r.statusCode() != 401) {
                throw RegistryFailure.explain(s, new OrasException(r.statusCode(), uri + " answered " + r.statusCode()
                        + " where an OCI registry answers 200 or 401: is " + s.registry() + " a registry?"));
            }
        } catch (IOException e) {
            throw RegistryFailure.explain(s, e);
        } catch (GeneralSecurityException e) {
            throw new RegistryFailure("the CA certificates could not be loaded (" + e.getMessage() + "): check"
                    + " bootimage.cache.remote.ca", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryFailure("interrupted", false, e);
        } catch (OrasException e) {
            throw RegistryFailure.explain(s, e);
        }
    }

    /** The system's trusted CAs plus the configured PEM file, as one PEM text (ORAS takes one). */
    private String trustedPem() throws RegistryFailure {
        try {
            List<X509Certificate> certs = new ArrayList<>();
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    certs.addAll(List.of(x.getAcceptedIssuers()));
                }
            }
            if (s.ca() != null) {
                try (InputStream in = Files.newInputStream(s.ca())) {
                    var extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
                    if (extra.isEmpty()) {
                        throw new RegistryFailure("bootimage.cache.remote.ca (" + s.ca() + ") holds no PEM certificate: give"
                                + " the PEM file of the CA that signed the registry's certificate", true, null);
                    }
                    for (Certificate c : extra) {
                        certs.add((X509Certificate) c);
                    }
                }
            }
            StringBuilder b = new StringBuilder();
            Base64.Encoder enc = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
            for (X509Certificate c : certs) {
                b.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            }
            return b.toString();
        } catch (IOException | GeneralSecurityException e) {
            throw new RegistryFailure("bootimage.cache.remote.ca (" + s.ca() + ") could not be read as PEM certificates ("
                    + e.getMessage() + "): give the PEM file of the CA that signed the registry's certificate", true, e);
        }
    }

    private static SSLContext sslContext(String pem) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509")
                .generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            ks.setCertificateEntry("ca-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }
}
