package io.github.bootimage.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImageException;
import io.github.bootimage.ImageFormat;
import io.github.bootimage.MachineInfo;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.AgentChannel;
import io.github.bootimage.boot.BootBackend;
import io.github.bootimage.boot.GuestOptions;
import io.github.bootimage.boot.HostCapabilities;
import io.github.bootimage.boot.KvmSupport;
import io.github.bootimage.boot.NspawnBackend;
import io.github.bootimage.boot.QemuBackend;
import io.github.bootimage.boot.Reaper;
import io.github.bootimage.boot.RunningGuest;
import io.github.bootimage.boot.net.GuestNetwork;
import io.github.bootimage.boot.net.Networking;
import io.github.bootimage.image.EntryUse;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageRecipe;
import io.github.bootimage.image.ProjectSettings;
import io.github.bootimage.image.UserMkosiProject;
import io.github.bootimage.ImageBuildException;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.image.remote.RegistryCache;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;
import io.github.bootimage.transport.CommandTransport;
import io.github.bootimage.transport.ConsoleTransport;
import io.github.bootimage.transport.SshKeys;
import io.github.bootimage.transport.SshTransport;

/**
 * The runtime of one test run: it owns the machines it booted (closed, last booted first, when the
 * runtime closes), the TCP ports they use, the image cache and the KVM verdict. The backends, the
 * image cache and the process runner are given to it ({@link Builder}); {@link #forHost(Settings)}
 * wires the real ones. The extension keeps one runtime per test run in the JUnit root context store,
 * which closes it when the run ends; the runner makes one per command. A shutdown hook and the
 * {@link Reaper} stop this runtime's guests should the JVM end before the runtime is closed.
 */
public final class BootImageRuntime implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BootImageRuntime.class.getName());

    /** Makes a runtime for a test run's settings; named by {@code bootimage.runtime} (a class with a no-argument constructor). */
    @FunctionalInterface
    public interface Provider {
        BootImageRuntime create(Settings settings);
    }

    private final Deque<DefaultMachine> live = new ConcurrentLinkedDeque<>();
    private final Set<Integer> ports = ConcurrentHashMap.newKeySet();
    private final Settings settings;
    private final HostTools tools;
    private final ProcessRunner runner;
    private final Path runtimeDir;
    private final Supplier<ImageCache> cacheFactory;
    private volatile ImageCache cache;
    private final Map<Boot, BootBackend> backends;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private BootImageRuntime(Builder b) {
        this.settings = b.settings;
        this.tools = Objects.requireNonNull(b.tools, "tools");
        this.runner = Objects.requireNonNull(b.runner, "runner");
        this.runtimeDir = Objects.requireNonNull(b.runtimeDir, "runtimeDir");
        this.cacheFactory = Objects.requireNonNull(b.cache, "cache");
        this.backends = new EnumMap<>(b.backends);
        for (Boot k : List.of(Boot.NSPAWN, Boot.QEMU)) {
            if (!backends.containsKey(k)) {
                throw new IllegalArgumentException("A runtime needs a backend for " + k + "; give one with Builder.backend");
            }
        }
        this.shutdownHook = new Thread(this::stopAll, "bootimage-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A runtime with no parts yet: give it tools, a runner, a cache and a backend per {@link Boot}. */
    public static Builder builder(Settings settings) {
        return new Builder(settings);
    }

    /**
     * The runtime of this host: tools on {@code bootimage.path}, the image cache in {@code bootimage.cache.dir}
     * (mkosi's version is asked on first use), systemd-nspawn and qemu (with {@code /dev/kvm}'s verdict).
     */
    public static BootImageRuntime forHost(Settings settings) {
        HostTools tools = HostTools.fromEnvironment(settings.path().orElse(null), settings.inheritPath());
        ProcessRunner runner = new ProcessRunner(tools);
        KvmSupport kvm = new KvmSupport(Path.of("/dev/kvm"));
        return builder(settings).tools(tools).runner(runner)
                .runtimeDir(Path.of(System.getProperty("java.io.tmpdir"), "bootimage-" + HostCapabilities.euid()))
                .cache(() -> new ImageCache(settings.cacheDir(), MkosiVersion.detect(runner),
                        new MkosiBuilder(runner, settings.cacheDir(), settings.buildTimeout(), settings.incremental()),
                        new MirrorCheck(Duration.ofSeconds(5)), RegistryCache.fromSettings(settings),
                        settings.cacheMaxAge().orElse(null), settings.buildLayers(), settings.buildParallelism()))
                .backend(new NspawnBackend(tools, 15_000))
                .backend(new QemuBackend(tools, runner, settings.kvm(), kvm, 20_000,
                        new QemuBackend.Sizing(settings.qemuMemory(), settings.qemuCpus(), settings.qemuKernelArgs(), settings.qemuProfile())))
                .build();
    }

    /**
     * The runtime a test run's settings ask for: {@code bootimage.runtime} names a {@link Provider} class
     * (the unit tests' fake backend is one); without it, {@link #forHost(Settings)}.
     */
    public static BootImageRuntime create(Settings settings) {
        Optional<String> provider = settings.get("runtime");
        if (provider.isEmpty() || provider.get().isBlank()) {
            return forHost(settings);
        }
        String name = provider.get().strip();
        try {
            Class<?> c = Class.forName(name, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : BootImageRuntime.class.getClassLoader());
            if (!Provider.class.isAssignableFrom(c)) {
                throw new BootImageException("bootimage.runtime = '" + name + "' is not a " + Provider.class.getName()
                        + ": name a class that implements it, or remove the setting");
            }
            return ((Provider) c.getDeclaredConstructor().newInstance()).create(settings);
        } catch (ReflectiveOperationException e) {
            throw new BootImageException("bootimage.runtime = '" + name + "' cannot be made (" + e
                    + "): name a public class with a public no-argument constructor, or remove the setting", e);
        }
    }

    /** The parts of a runtime. */
    public static final class Builder {
        private final Settings settings;
        private HostTools tools;
        private ProcessRunner runner;
        private Path runtimeDir;
        private Supplier<ImageCache> cache;
        private final Map<Boot, BootBackend> backends = new EnumMap<>(Boot.class);

        private Builder(Settings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        public Builder tools(HostTools tools) {
            this.tools = tools;
            return this;
        }

        public Builder runner(ProcessRunner runner) {
            this.runner = runner;
            return this;
        }

        /** Where machines' work directories and the reaper's registry live. */
        public Builder runtimeDir(Path dir) {
            this.runtimeDir = dir;
            return this;
        }

        /** The image cache, made on first use (the host's asks mkosi for its version). */
        public Builder cache(Supplier<ImageCache> cache) {
            this.cache = cache;
            return this;
        }

        /** The backend for its {@link BootBackend#kind()}. */
        public Builder backend(BootBackend backend) {
            return backend(backend.kind(), backend);
        }

        /** A backend for a kind of boot (a test's fake can stand for both). */
        public Builder backend(Boot kind, BootBackend backend) {
            if (kind == Boot.AUTO) {
                throw new IllegalArgumentException("Boot.AUTO is a choice between backends, not one: give NSPAWN or QEMU");
            }
            backends.put(kind, backend);
            return this;
        }

        public BootImageRuntime build() {
            return new BootImageRuntime(this);
        }
    }

    public Settings settings() {
        return settings;
    }

    public HostTools tools() {
        return tools;
    }

    public ProcessRunner runner() {
        return runner;
    }

    /** The image cache (created on first use: it asks mkosi for its version). */
    public ImageCache cache() {
        ImageCache c = cache;
        if (c == null) {
            synchronized (this) {
                if (cache == null) {
                    cache = cacheFactory.get();
                }
                c = cache;
            }
        }
        return c;
    }

    /** Why this runtime's backend for a kind of boot cannot start guests on this host, or null when it can. */
    public String unusableReason(Boot kind) {
        BootBackend b = backends.get(kind);
        if (b == null) {
            throw new IllegalArgumentException("No backend for " + kind + ": give NSPAWN or QEMU");
        }
        return b.unusableReason();
    }

    /** Which backend a request gets, and why (logged). */
    public Boot chooseBoot(Boot requested, ImageSpec spec) {
        Boot b = requested == Boot.AUTO ? settings.boot() : requested;
        if (b != Boot.AUTO) {
            return b;
        }
        String why = backends.get(Boot.NSPAWN).unusableReason();
        if (why == null && spec.format() == ImageFormat.DIRECTORY) {
            LOG.log(System.Logger.Level.INFO, "Boot.AUTO chose nspawn for {0}: root, systemd-nspawn present, directory image", spec.label());
            return Boot.NSPAWN;
        }
        LOG.log(System.Logger.Level.INFO, "Boot.AUTO chose qemu for {0}: {1}", spec.label(),
                why != null ? why : "the image is a disk");
        return Boot.QEMU;
    }

    /** The image spec as the backend and transport need it. */
    public ImageSpec effectiveSpec(ImageSpec spec, Boot boot, Transport transport) {
        ImageSpec s = spec;
        if (boot == Boot.QEMU) {
            // A VM needs a kernel and initrd, and a disk that mkosi makes without root or loop devices
            // (see QemuBackend): a qemu image is always a disk image.
            s = s.withKernel(true).withFormat(ImageFormat.DISK);
        }
        if (transport == Transport.SSH) {
            s = s.withSsh(true);
        }
        s = s.withMirror(settings.mirror(s.distro().name()).orElse(s.mirror()));
        if (s.repositories() == null) {
            s = s.withRepositories(settings.repositories(s.distro().name()).orElse(null));
        }
        var mirrorKey = settings.get("mirror." + s.distro().name() + ".key");
        if (s.repositories() == null && mirrorKey.isPresent()) {
            // A mirror signed with a key of one's own: bootimage writes the repository file (mkosi would use Fedora's key).
            s = s.withRepositories(io.github.bootimage.image.MirrorRepositories.write(s, Path.of(mirrorKey.get()),
                    settings.cacheDir().resolve("repositories")));
        }
        if (s.repositories() != null) {
            io.github.bootimage.image.RepositoryFile.read(s.repositories(), s.distro())
                    .requireSigned(settings.allowUnsignedRepositories());
        }
        return s;
    }

    /**
     * The request with its spec final: for an mkosi project, what mkosi resolves from it (remembered per
     * project content, so an unchanged project does not run mkosi) with the declaration's additions.
     *
     * @throws ImageBuildException when mkosi rejects the configuration or it cannot boot
     */
    public MachineRequest resolve(MachineRequest request) {
        ProjectRequest p = request.project();
        if (p == null || p.settings() != null) {
            return request;
        }
        ProjectSettings s = p.project().settings(tools, cache().mkosiVersion(), settings.cacheDir(),
                p.override() ? p.distro() : null, p.override() ? p.release() : null);
        ImageSpec spec;
        try {
            spec = p.project().spec(s, p.override() ? null : p.distro(), p.override() ? null : p.release(), p.additions());
        } catch (IllegalArgumentException e) {
            throw new ImageBuildException(e.getMessage(), e);
        }
        return new MachineRequest(spec, request.boot(), request.transport(), request.bootTimeout(), request.owner(),
                p.withSettings(s), request.network());
    }

    /** The cache entry a request's image maps to (it may not exist yet), with the spec it is built from. */
    public Path entryOf(MachineRequest request) {
        MachineRequest r = resolve(request);
        Boot boot = chooseBoot(r.boot(), r.spec());
        Transport t = r.transport() == Transport.AUTO ? settings.transport() : r.transport();
        ImageSpec spec = effectiveSpec(r.spec(), boot, t);
        return r.project() == null ? cache().entryOf(spec) : cache().entryOf(spec, recipe(r, spec));
    }

    private ImageRecipe recipe(MachineRequest r, ImageSpec effective) {
        return r.project().project().recipe(r.project().settings(), effective, cache().mkosiVersion());
    }

    private Image resolveImage(MachineRequest r, ImageSpec effective) {
        return r.project() == null ? cache().resolve(effective) : cache().resolve(effective, recipe(r, effective));
    }

    /** Builds (or finds) the image of a request without booting it. */
    public Image image(MachineRequest request) {
        MachineRequest r = resolve(request);
        Boot boot = chooseBoot(r.boot(), r.spec());
        Transport t = r.transport() == Transport.AUTO ? settings.transport() : r.transport();
        return resolveImage(r, effectiveSpec(r.spec(), boot, t));
    }

    /** Builds or finds the image, boots it, and returns a machine whose transport answers. */
    public DefaultMachine boot(MachineRequest unresolved) {
        if (closed) {
            throw new BootImageException("This bootimage runtime was closed (its test run ended): no machine can be"
                    + " booted with it anymore");
        }
        MachineRequest request = resolve(unresolved);
        Boot boot = chooseBoot(request.boot(), request.spec());
        Transport requested = request.transport() == Transport.AUTO ? settings.transport() : request.transport();
        ImageSpec spec = effectiveSpec(request.spec(), boot, requested);
        Image image = resolveImage(request, spec);
        EntryUse use = EntryUse.acquire(image.entry());
        if (!ImageCache.isComplete(image.entry())) { // pruned between resolve and acquire: build it again
            use.close();
            image = resolveImage(request, spec);
            use = EntryUse.acquire(image.entry());
        }
        try {
            return boot(request, boot, requested, spec, image, use);
        } catch (RuntimeException e) {
            use.close();
            throw e;
        }
    }

    private DefaultMachine boot(MachineRequest request, Boot boot, Transport requested, ImageSpec spec, Image image,
                                EntryUse use) {
        Transport transport = requested != Transport.AUTO ? requested
                : spec.hasSshServer() ? Transport.SSH : Transport.CONSOLE;
        BootBackend backend = backends.get(boot);
        Duration bootTimeout = request.bootTimeout() != null ? request.bootTimeout()
                : settings.bootTimeout(boot == Boot.QEMU ? Duration.ofMinutes(5) : Duration.ofSeconds(90));
        String name = "bi-" + spec.distro().name() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        Path work = runtimeDir.resolve(name);
        // In a namespace of its own (boot/net), a container's sshd listens on its own 127.0.0.1:22, published on the host.
        boolean isolated = backend.isolatesGuests();
        boolean published = isolated && boot == Boot.NSPAWN && !request.network().host();
        int sshPort = spec.hasSshServer() ? (published ? 22 : freePort()) : 0;
        GuestNetwork net = null;
        SshKeys keys = transport == Transport.SSH ? SshKeys.generate(work.resolve("ssh")) : null;
        long start = System.nanoTime();
        RunningGuest guest;
        AgentChannel channel = null;
        try {
            Files.createDirectories(work);
            channel = settings.agentChannel() ? AgentChannel.create(work.resolve("channel"), runner) : null;
            net = isolated ? Networking.create(boot, request.network(), name, work, runtimeDir, runner, reaper()) : null;
            guest = backend.start(image, new GuestOptions(name, work, sshPort,
                    keys == null ? null : keys.authorizedKey(), bootTimeout, channel, net));
            if (net != null) {
                net.started(guest);
            }
            reaper().register(name, guest, work);
        } catch (IOException e) {
            release(sshPort);
            closeQuietly(net);
            throw new MachineLaunchException("Could not prepare " + work + " for machine " + name + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            release(sshPort);
            closeQuietly(net);
            ImageCache.deleteTree(work);
            throw e;
        }
        int hostSshPort = sshPort;
        ConsoleTransport console = null;
        CommandTransport commands;
        try {
            console = channel != null
                    ? ConsoleTransport.overChannel(name, guest.consoleOutput(), channel.toGuest(), channel.fromGuest(),
                    guest::isAlive, guest::exitDescription)
                    : new ConsoleTransport(name, guest.consoleOutput(), guest.consoleInput(), guest::isAlive,
                    guest::exitDescription);
            console.awaitReady(bootTimeout);
            if (!settings.agentSpawn()) {
                console.forkEachCommand();
            }
            reaper().register(name, guest, work);
            if (published && sshPort > 0) {
                hostSshPort = net.hostPort(22);
            }
            commands = transport == Transport.SSH
                    ? SshTransport.connect(name, hostSshPort, keys, console, guest::isAlive, bootTimeout, settings.sshAgent())
                    : console;
            if (!settings.agentSpawn() && commands instanceof SshTransport ssh) {
                ssh.forkEachCommand();
            }
            if (net != null) {
                CommandTransport ready = commands;
                net.ready(r -> ready.exec(r, settings.commandTimeout()));
            }
        } catch (RuntimeException e) {
            try {
                if (console != null) {
                    console.close();
                }
                guest.close();
                reaper().unregister(name);
                closeQuietly(net);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            release(sshPort);
            throw e;
        }
        Duration bootTime = Duration.ofNanos(System.nanoTime() - start);
        MachineInfo info = new MachineInfo(name, spec.distro().name(), spec.release(), boot, transport,
                guest.accelerator(), image.entry(), hostSshPort, bootTime, request.network().network(),
                net == null ? java.util.Map.of() : net.addresses());
        LOG.log(System.Logger.Level.INFO, "Machine {0} ({1}, {2}, {3}, {4}; agent on its {7}) ready in {5} ms for {6}",
                name, spec.label(), boot, transport, guest.accelerator(), bootTime.toMillis(), request.owner(), console.via());
        DefaultMachine[] self = new DefaultMachine[1];
        GuestNetwork network = net;
        self[0] = new DefaultMachine(guest, console, commands, info, spec.distro().packageManager(),
                settings.commandTimeout(), keys, network, () -> {
                    closeQuietly(network);
                    live.remove(self[0]);
                    reaper().unregister(name);
                    release(sshPort);
                    use.close();
                });
        live.addFirst(self[0]);
        return self[0];
    }

    /** The reaper that stops this JVM's guests if it dies. */
    public Reaper reaper() {
        return Reaper.get(runtimeDir);
    }

    /** Where machines' work directories and the reaper's registry live. */
    public Path runtimeDir() {
        return runtimeDir;
    }

    /**
     * Leaves a machine running after this JVM ends ({@code bootimage.keep=always}): it is no longer
     * stopped by the shutdown hook nor by the reaper.
     */
    public void detach(DefaultMachine m) {
        live.remove(m);
        reaper().unregister(m.name());
        reaper().unregister(m.name() + ".net"); // its namespace stays with it (boot/net)
    }

    /** Machines booted by this runtime and not closed (nor detached) yet, the latest first. */
    public List<DefaultMachine> liveMachines() {
        return List.copyOf(live);
    }

    /**
     * Stops every machine this runtime booted and still holds, the latest booted first, and ends the
     * runtime: JUnit calls this when the test run ends.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
        stopAll();
    }

    private void stopAll() {
        for (DefaultMachine m; (m = live.pollFirst()) != null; ) {
            try {
                m.close();
            } catch (RuntimeException e) {
                System.err.println("bootimage: stopping " + m.name() + " failed: " + e);
            }
        }
    }

    private int freePort() {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = s.getLocalPort();
                if (ports.add(p)) {
                    return p;
                }
            } catch (IOException e) {
                throw new BootImageException("Could not find a free TCP port on 127.0.0.1: " + e.getMessage(), e);
            }
        }
        throw new BootImageException("Could not find a free TCP port on 127.0.0.1 after 50 tries");
    }

    private static void closeQuietly(GuestNetwork net) {
        if (net != null) {
            try {
                net.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Removing a machine's network failed", e);
            }
        }
    }

    private void release(int port) {
        if (port > 0) {
            ports.remove(port);
        }
    }
}
