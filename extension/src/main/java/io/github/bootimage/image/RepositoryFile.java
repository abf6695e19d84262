package io.github.bootimage.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A repository file given to an image ({@code @BootImage(repositories = ...)} or
 * {@code bootimage.repositories.<distro>}): a dnf or zypper {@code .repo} file, an apt {@code .sources}
 * (deb822) or {@code .list} file, or a pacman mirror list.
 *
 * <p>A {@code baseurl} of a {@code .repo} file may name a directory on this host,
 * {@code file:relative/path} (relative to the working directory, like {@code extraTrees}) or
 * {@code file:///absolute/path}: mkosi's sandbox cannot see host paths, so bootimage serves such a
 * directory on 127.0.0.1 while mkosi runs ({@link LocalRepositoryServer}), and the image's cache key
 * covers the directory's content (its {@code repodata/repomd.xml}), never the port it was served on.
 * A {@code gpgkey=file:...} that exists on this host is copied into the package manager's tree
 * ({@code /etc/pki/rpm-gpg/}), so the key's content is part of the cache key too.
 */
public final class RepositoryFile {

    /** What the generated configuration holds where bootimage's server address goes: {@code @BOOTIMAGE_LOCAL_0@}. */
    static final String PLACEHOLDER = "@BOOTIMAGE_LOCAL_%d@";

    /** The setting that allows repositories whose packages are not checked against a key. */
    public static final String UNSIGNED_SETTING = "bootimage.repositories.unsigned";

    private static final Pattern SECTION = Pattern.compile("^\\s*\\[([^\\]]+)]\\s*$");
    private static final Pattern KEY_VALUE = Pattern.compile("^\\s*([A-Za-z0-9_.-]+)\\s*[=:]\\s*(.*)$");

    /**
     * One repository of the file.
     *
     * @param id       the section name, or a description of the stanza or line
     * @param urls     where it is (baseurl, URIs, Server), possibly empty for mirrorlist/metalink
     * @param signed   whether its packages are checked against a key
     * @param optional whether the package manager goes on without it when it does not answer (dnf's skip_if_unavailable)
     */
    public record Repo(String id, List<String> urls, boolean signed, boolean optional) {
        Repo(String id, List<String> urls, boolean signed) {
            this(id, urls, signed, false);
        }
    }

    private final Path file;
    private final String text;
    private final List<Repo> repos;
    private final boolean rpmStyle;

    private RepositoryFile(Path file, String text, List<Repo> repos, boolean rpmStyle) {
        this.file = file;
        this.text = text;
        this.repos = List.copyOf(repos);
        this.rpmStyle = rpmStyle;
    }

    /**
     * Reads and checks a repository file for a distribution.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no usable repository
     */
    public static RepositoryFile read(Path file, Distro distro) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Could not read the repository file " + file + " for " + distro.name()
                    + ": " + e.getMessage() + ". Give the path of an apt .sources/.list, dnf or zypper .repo, or pacman"
                    + " mirror list file.", e);
        }
        RepositoryFile f = switch (distro.packageManager()) {
            case RPM -> new RepositoryFile(file, text, parseRepo(text), true);
            case DPKG -> new RepositoryFile(file, text, file.toString().endsWith(".list") ? parseList(text) : parseSources(text), false);
            case PACMAN -> new RepositoryFile(file, text, parsePacman(text), false);
        };
        if (f.repos.isEmpty()) {
            throw new IllegalArgumentException("The repository file " + file + " has no usable repository for " + distro.name()
                    + ": " + switch (distro.packageManager()) {
                        case RPM -> "no enabled section ([name]) with baseurl=, mirrorlist= or metalink=. Add one, such as"
                                + " '[local]', 'baseurl=http://mirror.example/fedora/41/x86_64/os/', 'gpgcheck=1',"
                                + " 'gpgkey=file:///path/to/RPM-GPG-KEY', or set enabled=1 on the one there.";
                        case DPKG -> "no enabled deb822 stanza with 'Types: deb' and 'URIs:' (or, in a .list file, no"
                                + " 'deb URI SUITE COMPONENT' line). Add one, such as 'Types: deb', 'URIs: http://deb.debian.org/debian',"
                                + " 'Suites: bookworm', 'Components: main'.";
                        case PACMAN -> "no 'Server = URL' line. Add one, such as 'Server = https://mirror.example/archlinux/$repo/os/$arch'.";
                    });
        }
        return f;
    }

    /** What of a spec's repository file decides its packages: the file as the build sees it and the content digests. */
    static String contentKey(ImageSpec spec) {
        if (spec.repositories() == null) {
            return "";
        }
        return String.join("\0", read(spec.repositories(), spec.distro()).treeFiles("repository").values());
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** The usable repositories it names. */
    public List<Repo> repos() {
        return repos;
    }

    /**
     * Refuses a repository whose packages are not checked against a key, unless allowed.
     *
     * @throws IllegalArgumentException naming the file, the repository and the fix
     */
    public RepositoryFile requireSigned(boolean allowUnsigned) {
        if (allowUnsigned) {
            return this;
        }
        for (Repo r : repos) {
            if (!r.signed()) {
                throw new IllegalArgumentException("The repository '" + r.id() + "' in " + file + " is unsigned: "
                        + (rpmStyle ? "its packages are not checked against a key (it needs gpgcheck=1 and a gpgkey=)"
                                : "it is marked trusted, so apt does not check its signature")
                        + ". Sign it and name its key"
                        + (rpmStyle ? " (gpgcheck=1, gpgkey=file:///path/to/KEY or an http(s) URL)" : " (Signed-By:)")
                        + ", or, to build from it unverified, set " + UNSIGNED_SETTING + "=allow.");
            }
        }
        return this;
    }

    /** The host directories named by {@code file:} baseurls, in order (index i is served for placeholder i). */
    public List<Path> localDirectories() {
        if (!rpmStyle) {
            return List.of();
        }
        List<Path> dirs = new ArrayList<>();
        for (Repo r : repos) {
            for (String u : r.urls()) {
                localPath(u).filter(p -> !dirs.contains(p)).ifPresent(dirs::add);
            }
        }
        return dirs;
    }

    /**
     * The files this repository file puts into the package manager's tree, by path relative to it: the
     * repository file itself (local directories replaced by placeholders, with a comment that carries
     * their content's digest) and the local keys it names.
     */
    public Map<String, String> treeFiles(String repoPath) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!rpmStyle) {
            out.put(repoPath, text);
            return out;
        }
        List<Path> dirs = localDirectories();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < dirs.size(); i++) {
            s.append("# bootimage serves a directory of this host here while mkosi runs; its repodata/repomd.xml has SHA-256 ")
                    .append(digest(dirs.get(i))).append('\n');
        }
        boolean inKey = false;
        int keyNo = 0;
        for (String line : text.split("\n", -1)) {
            Matcher kv = KEY_VALUE.matcher(line);
            boolean continuation = !line.isBlank() && Character.isWhitespace(line.charAt(0)) && inKey;
            if (kv.matches() && !Character.isWhitespace(line.charAt(0))) {
                String k = kv.group(1).toLowerCase(Locale.ROOT);
                inKey = k.equals("gpgkey");
                if (k.equals("baseurl")) {
                    List<String> urls = new ArrayList<>();
                    for (String u : splitUrls(kv.group(2))) {
                        urls.add(localPath(u).map(p -> "http://127.0.0.1:" + String.format(Locale.ROOT, PLACEHOLDER, dirs.indexOf(p)) + "/").orElse(u));
                    }
                    s.append("baseurl=").append(String.join(" ", urls)).append('\n');
                    continue;
                }
                if (inKey) {
                    List<String> keys = new ArrayList<>();
                    for (String u : splitUrls(kv.group(2))) {
                        keys.add(localKey(u, keyNo++, out));
                    }
                    s.append("gpgkey=").append(String.join(" ", keys)).append('\n');
                    continue;
                }
            } else if (continuation) {
                List<String> keys = new ArrayList<>();
                for (String u : splitUrls(line)) {
                    keys.add(localKey(u, keyNo++, out));
                }
                s.append("       ").append(String.join(" ", keys)).append('\n');
                continue;
            } else if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                inKey = false;
            }
            s.append(line).append('\n');
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put(repoPath, s.toString().stripTrailing() + "\n");
        all.putAll(out);
        return all;
    }

    /** A key URL as the build sees it: a host file is copied into the tree, anything else stays. */
    private String localKey(String url, int n, Map<String, String> out) {
        var p = localPath(url);
        if (p.isEmpty()) {
            return url;
        }
        if (!Files.isRegularFile(p.get())) {
            throw new IllegalArgumentException("The repository file " + file + " names the key " + url + ", which is not a"
                    + " file on this host (looked at " + p.get() + "): fix gpgkey=, or make the repository (and its key) first.");
        }
        String name = "bootimage-" + n + "-" + p.get().getFileName();
        try {
            out.put("etc/pki/rpm-gpg/" + name, Files.readString(p.get(), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the key " + p.get() + " named in " + file, e);
        }
        return "file:///etc/pki/rpm-gpg/" + name;
    }

    private static List<String> splitUrls(String v) {
        List<String> out = new ArrayList<>();
        for (String u : v.strip().split("[\\s,]+")) {
            if (!u.isEmpty()) {
                out.add(u);
            }
        }
        return out;
    }

    /** The host path of a {@code file:} URL (relative to the working directory unless absolute). */
    static java.util.Optional<Path> localPath(String url) {
        if (!url.startsWith("file:")) {
            return java.util.Optional.empty();
        }
        String rest = url.substring("file:".length());
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        return java.util.Optional.of(Path.of(rest).toAbsolutePath().normalize());
    }

    private String digest(Path dir) {
        Path repomd = dir.resolve("repodata/repomd.xml");
        if (!Files.isRegularFile(repomd)) {
            throw new IllegalArgumentException("The repository file " + file + " names the local directory " + dir
                    + ", which has no repodata/repomd.xml: make the repository there first (createrepo_c " + dir
                    + "; scripts/make-rpm-repo.sh makes the project's), or fix baseurl=.");
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(repomd)));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + repomd + " named in " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- parsers -------------------------------------------------------------------------------

    private static List<Repo> parseRepo(String text) {
        List<Repo> out = new ArrayList<>();
        Map<String, String> cur = null;
        String id = null;
        String lastKey = null;
        List<Map.Entry<String, Map<String, String>>> sections = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.strip().startsWith("#") || line.strip().startsWith(";")) {
                continue;
            }
            Matcher sec = SECTION.matcher(line);
            if (sec.matches()) {
                id = sec.group(1).strip();
                cur = new LinkedHashMap<>();
                sections.add(Map.entry(id, cur));
                lastKey = null;
                continue;
            }
            if (cur == null || line.isBlank()) {
                continue;
            }
            Matcher kv = KEY_VALUE.matcher(line);
            if (!Character.isWhitespace(line.charAt(0)) && kv.matches()) {
                lastKey = kv.group(1).toLowerCase(Locale.ROOT);
                cur.put(lastKey, kv.group(2).strip());
            } else if (lastKey != null) {
                cur.merge(lastKey, line.strip(), (a, b) -> a + " " + b);
            }
        }
        for (var s : sections) {
            Map<String, String> m = s.getValue();
            if (s.getKey().equalsIgnoreCase("main") || !truthy(m.getOrDefault("enabled", "1"))) {
                continue;
            }
            if (!m.containsKey("baseurl") && !m.containsKey("mirrorlist") && !m.containsKey("metalink")) {
                continue;
            }
            boolean signed = truthy(m.getOrDefault("gpgcheck", "0")) && !m.getOrDefault("gpgkey", "").isBlank();
            out.add(new Repo(s.getKey(), splitUrls(m.getOrDefault("baseurl", "")), signed,
                    truthy(m.getOrDefault("skip_if_unavailable", "0"))));
        }
        return out;
    }

    private static boolean truthy(String v) {
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "1", "yes", "true", "on" -> true;
            default -> false;
        };
    }

    private static List<Repo> parseSources(String text) {
        List<Repo> out = new ArrayList<>();
        int n = 0;
        for (String stanza : text.split("\n\\s*\n")) {
            Map<String, String> m = new LinkedHashMap<>();
            String last = null;
            for (String line : stanza.split("\n")) {
                if (line.strip().startsWith("#") || line.isBlank()) {
                    continue;
                }
                Matcher kv = Pattern.compile("^([A-Za-z-]+):\\s*(.*)$").matcher(line);
                if (!Character.isWhitespace(line.charAt(0)) && kv.matches()) {
                    last = kv.group(1).toLowerCase(Locale.ROOT);
                    m.put(last, kv.group(2).strip());
                } else if (last != null) {
                    m.merge(last, line.strip(), (a, b) -> a + "\n" + b);
                }
            }
            if (m.isEmpty()) {
                continue;
            }
            n++;
            if (!truthy(m.getOrDefault("enabled", "yes")) || !List.of(m.getOrDefault("types", "").split("\\s+")).contains("deb")
                    || m.getOrDefault("uris", "").isBlank()) {
                continue;
            }
            out.add(new Repo("stanza " + n + " (" + m.get("uris") + " " + m.getOrDefault("suites", "") + ")",
                    splitUrls(m.get("uris")), !truthy(m.getOrDefault("trusted", "no"))));
        }
        return out;
    }

    private static List<Repo> parseList(String text) {
        List<Repo> out = new ArrayList<>();
        Pattern deb = Pattern.compile("^\\s*deb\\s+(?:\\[([^\\]]*)]\\s+)?(\\S+)\\s+\\S+.*$");
        for (String line : text.split("\n")) {
            Matcher m = deb.matcher(line);
            if (m.matches()) {
                boolean trusted = m.group(1) != null && m.group(1).matches(".*\\btrusted=yes\\b.*");
                out.add(new Repo(line.strip(), List.of(m.group(2)), !trusted));
            }
        }
        return out;
    }

    private static List<Repo> parsePacman(String text) {
        List<Repo> out = new ArrayList<>();
        Pattern server = Pattern.compile("^\\s*Server\\s*=\\s*(\\S+)\\s*$");
        for (String line : text.split("\n")) {
            Matcher m = server.matcher(line);
            if (m.matches()) {
                // pacman checks signatures by default (SigLevel in pacman.conf), which a mirror list cannot change.
                out.add(new Repo(m.group(1), List.of(m.group(1)), true));
            }
        }
        return out;
    }
}
