package io.github.bootimage.image.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.runtime.Settings;

/** Parsing and checking the bootimage.cache.remote.* settings. */
class RemoteSettingsTest {

    static RemoteSettings parse(Map<String, String> s, Map<String, String> env) {
        return RemoteSettings.of(new Settings(k -> Optional.ofNullable(s.get(k))), env).orElseThrow();
    }

    static Map<String, String> url(String u) {
        return new HashMap<>(Map.of("bootimage.cache.remote", u));
    }

    static String error(Map<String, String> s) {
        return assertThrows(IllegalArgumentException.class, () -> parse(s, Map.of())).getMessage();
    }

    @Test
    void unsetMeansNoRemote() {
        assertTrue(RemoteSettings.of(new Settings(k -> Optional.empty()), Map.of()).isEmpty());
    }

    @Test
    void hostPortAndRepository() {
        RemoteSettings r = parse(url("oci://registry.example.com:5000/team/bootimage-images"), Map.of());
        assertEquals("registry.example.com", r.host());
        assertEquals(5000, r.port());
        assertEquals("team/bootimage-images", r.repository());
        assertEquals("registry.example.com:5000", r.registry());
        assertFalse(r.insecure());
        assertFalse(r.loopback());
        assertNull(r.username());
        assertEquals(Duration.ofMinutes(10), r.timeout());
        assertEquals("ghcr.io", parse(url("oci://ghcr.io/org/images"), Map.of()).registry());
    }

    @Test
    void loopbackHosts() {
        assertTrue(parse(url("oci://127.0.0.1:5000/x"), Map.of()).loopback());
        assertTrue(parse(url("oci://localhost:5000/x"), Map.of()).loopback());
        assertTrue(parse(url("oci://[::1]:5000/x"), Map.of()).loopback());
        assertFalse(parse(url("oci://10.0.0.1:5000/x"), Map.of()).loopback());
    }

    @Test
    void aUrlThatIsNotOciSaysTheForm() {
        assertEquals("bootimage.cache.remote = 'https://registry.example.com/x' is not valid: use"
                + " oci://HOST[:PORT]/REPOSITORY, such as oci://registry.example.com/team/bootimage-images",
                error(url("https://registry.example.com/x")));
        assertTrue(error(url("oci://registry.example.com")).contains("use oci://HOST[:PORT]/REPOSITORY"));
    }

    @Test
    void aBadPortOrRepositoryIsNamed() {
        assertTrue(error(url("oci://r.example.com:99999/x")).contains("a port from 1 to 65535"));
        String m = error(url("oci://r.example.com/Team/Images"));
        assertTrue(m.startsWith("bootimage.cache.remote = 'oci://r.example.com/Team/Images' is not valid: a repository name of"
                + " lower-case letters"), m);
    }

    @Test
    void credentialsFromSettingsOrEnvironment() {
        Map<String, String> s = url("oci://r.example.com/x");
        s.put("bootimage.cache.remote.username", "ci");
        s.put("bootimage.cache.remote.password", "pw");
        RemoteSettings r = parse(s, Map.of());
        assertEquals("ci", r.username());
        assertEquals("bootimage.cache.remote.username/password", r.credentials());
        assertFalse(r.toString().contains("pw"), "the password never appears in messages: " + r);

        RemoteSettings e = parse(url("oci://r.example.com/x"),
                Map.of(RemoteSettings.USERNAME_ENV, "env-user", RemoteSettings.PASSWORD_ENV, "env-pw"));
        assertEquals("env-user", e.username());
        assertEquals("env-pw", e.password());
        assertEquals("BOOTIMAGE_CACHE_REMOTE_USERNAME/BOOTIMAGE_CACHE_REMOTE_PASSWORD", e.credentials());

        RemoteSettings f = parse(url("oci://r.example.com/x"), Map.of("REGISTRY_AUTH_FILE", "/run/auth.json"));
        assertNull(f.username());
        assertEquals("$REGISTRY_AUTH_FILE (/run/auth.json)", f.credentials());
    }

    @Test
    void halfACredentialSaysWhatIsMissing() {
        Map<String, String> s = url("oci://r.example.com/x");
        s.put("bootimage.cache.remote.username", "ci");
        assertEquals("bootimage.cache.remote.username is set but no password: set bootimage.cache.remote.password or the"
                + " environment variable BOOTIMAGE_CACHE_REMOTE_PASSWORD", error(s));
        Map<String, String> p = url("oci://r.example.com/x");
        p.put("bootimage.cache.remote.password", "pw");
        assertEquals("bootimage.cache.remote.password is set but no user name: set bootimage.cache.remote.username or the"
                + " environment variable BOOTIMAGE_CACHE_REMOTE_USERNAME", error(p));
    }

    @Test
    void aMissingCaFileIsNamed(@TempDir Path dir) throws Exception {
        Map<String, String> s = url("oci://r.example.com/x");
        s.put("bootimage.cache.remote.ca", dir.resolve("nope.pem").toString());
        assertEquals("bootimage.cache.remote.ca = '" + dir.resolve("nope.pem") + "' is not valid: a readable PEM file of the"
                + " CA certificates that sign the registry's certificate (it does not exist or cannot be read)", error(s));
        Path pem = Files.writeString(dir.resolve("ca.pem"), "x");
        s.put("bootimage.cache.remote.ca", pem.toString());
        assertEquals(pem, parse(s, Map.of()).ca());
    }

    @Test
    void insecureAndTimeoutAreChecked() {
        Map<String, String> s = url("oci://r.example.com/x");
        s.put("bootimage.cache.remote.insecure", "yes");
        assertEquals("bootimage.cache.remote.insecure = 'yes' is not valid: true (plain HTTP) or false (TLS, the default)",
                error(s));
        s.put("bootimage.cache.remote.insecure", "TRUE");
        assertTrue(parse(s, Map.of()).insecure());
        s.put("bootimage.cache.remote.timeout", "soon");
        assertTrue(error(s).startsWith("bootimage.cache.remote.timeout = 'soon' is not valid"));
        s.put("bootimage.cache.remote.timeout", "30s");
        assertEquals(Duration.ofSeconds(30), parse(s, Map.of()).timeout());
    }

    @Test
    void tagsNameContentKeyAndArchitecture() {
        String key = "0123456789abcdef".repeat(4);
        assertEquals("debian-bookworm-" + key + "-arm64", ImageArtifact.tag("debian", "bookworm", key, "arm64"));
        assertTrue(ImageArtifact.tag("x".repeat(80), "y", key, "x86-64").length() <= 128);
    }

    @Test
    void maxAgeTakesDaysAndSaysWhatItAccepts() {
        assertEquals(Optional.of(Duration.ofDays(7)), new Settings(k -> Optional.ofNullable(
                Map.of("bootimage.cache.maxAge", "7d").get(k))).cacheMaxAge());
        assertEquals(Optional.empty(), new Settings(k -> Optional.empty()).cacheMaxAge());
        Settings bad = new Settings(k -> Optional.ofNullable(Map.of("bootimage.cache.maxAge", "a week").get(k)));
        assertEquals("bootimage.cache.maxAge = 'a week' is not valid: use a duration such as 90s, 3m, 500ms or PT90S",
                assertThrows(IllegalArgumentException.class, bad::cacheMaxAge).getMessage());
    }
}
