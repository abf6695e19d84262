package io.github.bootimage.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;

/**
 * The {@code bootimage.*} configuration: JUnit configuration parameters (junit-platform.properties,
 * {@code -D}) or, outside JUnit, system properties. Every value is checked, and a bad one names the
 * key, the value and what it accepts.
 */
public final class Settings {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private final Function<String, Optional<String>> source;

    public Settings(Function<String, Optional<String>> source) {
        this.source = source;
    }

    /** Settings from system properties. */
    public static Settings fromSystemProperties() {
        return new Settings(k -> Optional.ofNullable(System.getProperty(k)));
    }

    public Optional<String> get(String key) {
        return source.apply("bootimage." + key).map(String::strip).filter(s -> !s.isEmpty());
    }

    public Path cacheDir() {
        return get("cache.dir").map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".cache", "bootimage"))
                .toAbsolutePath().normalize();
    }

    public Boot boot() {
        return enumValue("boot", Boot.class, Boot.AUTO);
    }

    public Transport transport() {
        return enumValue("transport", Transport.class, Transport.AUTO);
    }

    /** auto, on or off. */
    public String kvm() {
        String v = get("kvm").orElse("auto").toLowerCase(Locale.ROOT);
        if (!v.equals("auto") && !v.equals("on") && !v.equals("off")) {
            throw bad("kvm", v, "auto, on or off");
        }
        return v;
    }

    /** never, on-failure or always. */
    public String keep() {
        String v = get("keep").orElse("never").toLowerCase(Locale.ROOT);
        if (!v.equals("never") && !v.equals("on-failure") && !v.equals("always")) {
            throw bad("keep", v, "never, on-failure or always");
        }
        return v;
    }

    /** fail or skip: what to do with a distribution whose mirror cannot be reached. */
    public String unavailable() {
        String v = get("unavailable").orElse("fail").toLowerCase(Locale.ROOT);
        if (!v.equals("fail") && !v.equals("skip")) {
            throw bad("unavailable", v, "fail or skip");
        }
        return v;
    }

    public Duration bootTimeout(Duration dflt) {
        return get("timeout.boot").map(v -> duration("timeout.boot", v)).orElse(dflt);
    }

    public Duration commandTimeout() {
        return get("timeout.command").map(v -> duration("timeout.command", v)).orElse(Duration.ofMinutes(2));
    }

    public Duration buildTimeout() {
        return get("timeout.build").map(v -> duration("timeout.build", v)).orElse(Duration.ofMinutes(45));
    }

    /**
     * bootimage.cache.maxAge: an image built longer ago is rebuilt (and pushed anew to the remote
     * cache), so images pick up the archive's security updates. Empty (the default): no limit.
     */
    public Optional<Duration> cacheMaxAge() {
        return get("cache.maxAge").map(v -> duration("cache.maxAge", v));
    }

    public Optional<String> mirror(String distro) {
        return get("mirror." + distro);
    }

    public Optional<Path> repositories(String distro) {
        return get("repositories." + distro).map(Path::of);
    }

    /** Whether repositories whose packages are not checked against a key may be used ({@code repositories.unsigned=allow}). */
    public boolean allowUnsignedRepositories() {
        String v = get("repositories.unsigned").orElse("refuse").toLowerCase(Locale.ROOT);
        if (!v.equals("refuse") && !v.equals("allow")) {
            throw bad("repositories.unsigned", v, "refuse or allow");
        }
        return v.equals("allow");
    }

    /** Extra directories put in front of PATH when looking for host tools. */
    public Optional<String> path() {
        return get("path");
    }

    /** Whether the JVM's PATH is searched after {@link #path()} (bootimage.path.inherit, default true). */
    public boolean inheritPath() {
        return !get("path.inherit").orElse("true").equalsIgnoreCase("false");
    }

    /**
     * Whether the SSH transport runs commands through agents on long-lived sessions (bootimage.ssh.agent:
     * {@code true}, the default) or each in a session of its own ({@code false}: sshd's fork and a login shell
     * per command, as before; kept to compare and for guests without bash).
     */
    public boolean sshAgent() {
        return flag("ssh.agent", true);
    }

    /**
     * Whether the agent gets a channel of its own (bootimage.agent.channel: {@code auto}, the default) or
     * runs on the guest's console ({@code console}: the fallback, kept to compare and to debug).
     */
    public boolean agentChannel() {
        String v = get("agent.channel").orElse("auto").toLowerCase(Locale.ROOT);
        if (!v.equals("auto") && !v.equals("console")) {
            throw bad("agent.channel", v, "auto, console");
        }
        return v.equals("auto");
    }

    /** bootimage.qemu.memory: a VM's memory, qemu's {@code -m} (MiB, or with a suffix M or G); 1024 by default. */
    public String qemuMemory() {
        String v = get("qemu.memory").orElse("1024").strip();
        if (!v.matches("[1-9][0-9]*[MmGg]?")) {
            throw bad("qemu.memory", v, "a size in MiB such as 2048, or with a suffix M or G such as 2G");
        }
        return v.toUpperCase(Locale.ROOT);
    }

    /** bootimage.qemu.cpus: a VM's CPU count, qemu's {@code -smp}; 2 by default. */
    public int qemuCpus() {
        String v = get("qemu.cpus").orElse("2").strip();
        if (!v.matches("[1-9][0-9]{0,2}")) {
            throw bad("qemu.cpus", v, "a whole number from 1 to 999, such as 4");
        }
        return Integer.parseInt(v);
    }

    /**
     * bootimage.qemu.profile: {@code fast} (the default) or {@code plain}, the command line of VMs before
     * their boot was tuned for TCG (kept to measure the tuning against; see {@code QemuBackend.Profile}).
     */
    public io.github.bootimage.boot.QemuBackend.Profile qemuProfile() {
        String v = get("qemu.profile").orElse("fast").strip().toLowerCase(Locale.ROOT);
        if (!v.equals("fast") && !v.equals("plain")) {
            throw bad("qemu.profile", v, "fast or plain");
        }
        return v.equals("fast") ? io.github.bootimage.boot.QemuBackend.Profile.FAST
                : io.github.bootimage.boot.QemuBackend.Profile.PLAIN;
    }

    /**
     * bootimage.qemu.kernelArgs: more kernel command-line arguments for every VM, after bootimage's own
     * (a later argument wins, so {@code loglevel=7} overrides); empty by default.
     */
    public String qemuKernelArgs() {
        String v = get("qemu.kernelArgs").orElse("").strip();
        if (v.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw bad("qemu.kernelArgs", v.replaceAll("\\p{Cntrl}", "?"), "arguments on one line, separated by spaces,"
                    + " without control characters");
        }
        return v;
    }

    public boolean incremental() {
        return !get("incremental").orElse("true").equalsIgnoreCase("false");
    }

    /**
     * Whether directory images are built on their release's shared base image (bootimage.build.layers,
     * default true; false: each image is one full mkosi build).
     */
    public boolean buildLayers() {
        return flag("build.layers", true);
    }

    /**
     * Whether the agent starts plain argument lists through the image's agent-spawn, on its channel and on
     * SSH sessions (bootimage.agent.spawn, default true; false: the agent forks itself for every command, as
     * before agent-spawn).
     */
    public boolean agentSpawn() {
        return flag("agent.spawn", true);
    }

    /** A setting that is true or false. */
    private boolean flag(String key, boolean byDefault) {
        String v = get(key).orElse(Boolean.toString(byDefault)).strip().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw bad(key, v, "true or false");
        }
        return v.equals("true");
    }

    /**
     * How many images are built at once (bootimage.build.parallelism, default 2; 1: one after another).
     */
    public int buildParallelism() {
        String v = get("build.parallelism").orElse("2").strip();
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 64) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw bad("build.parallelism", v, "a whole number from 1 to 64");
    }

    private <E extends Enum<E>> E enumValue(String key, Class<E> type, E dflt) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, v.get().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder ok = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                ok.append(ok.length() == 0 ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
            }
            throw bad(key, v.get(), ok.toString());
        }
    }

    /**
     * Parses {@code 90s}, {@code 3m}, {@code 500ms}, {@code 1h}, {@code 7d}, a bare number of seconds, or ISO-8601 ({@code PT90S}).
     */
    public static Duration duration(String what, String v) {
        String s = v.strip();
        if (s.toUpperCase(Locale.ROOT).startsWith("PT")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw bad(what, v, "a duration such as 90s, 3m, 500ms or PT90S");
            }
        }
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw bad(what, v, "a duration such as 90s, 3m, 500ms or PT90S");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero()) {
            throw bad(what, v, "a positive duration");
        }
        return d;
    }

    private static IllegalArgumentException bad(String key, String value, String accepted) {
        return new IllegalArgumentException("bootimage." + key + " = '" + value + "' is not valid: use " + accepted);
    }
}
