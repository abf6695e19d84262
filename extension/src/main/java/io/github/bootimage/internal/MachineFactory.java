package io.github.bootimage.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImageException;
import io.github.bootimage.ImageFormat;
import io.github.bootimage.MachineInfo;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.AgentChannel;
import io.github.bootimage.boot.BootBackend;
import io.github.bootimage.boot.GuestOptions;
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
 * The pipeline from a request to a ready machine: spec, cache, backend, console, transport. One
 * factory per cache directory and PATH per JVM, so a run shares one cache; every machine it boots is
 * stopped at the latest when the JVM exits.
 */
public final class MachineFactory {
    private static final System.Logger LOG = System.getLogger(MachineFactory.class.getName());
    private static final Map<String, MachineFactory> SHARED = new ConcurrentHashMap<>();
    private static final Set<DefaultMachine> LIVE = ConcurrentHashMap.newKeySet();
    private static final Set<Integer> PORTS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (DefaultMachine m : LIVE) {
                try {
                    m.close();
                } catch (RuntimeException e) {
                    System.err.println("bootimage: stopping " + m.name() + " at JVM exit failed: " + e);
                }
            }
        }, "bootimage-shutdown"));
    }

    private final Settings settings;
    private final HostTools tools;
    private final ProcessRunner runner;
    private final Path runtimeDir;
    private volatile ImageCache cache;
    private final NspawnBackend nspawn;
    private final QemuBackend qemu;

    private MachineFactory(Settings settings) {
        this.settings = settings;
        this.tools = HostTools.fromEnvironment(settings.path().orElse(null), settings.inheritPath());
        this.runner = new ProcessRunner(tools);
        this.runtimeDir = Path.of(System.getProperty("java.io.tmpdir"), "bootimage-" + io.github.bootimage.boot.HostCapabilities.euid());
        this.nspawn = new NspawnBackend(tools, 15_000);
        this.qemu = new QemuBackend(tools, runner, settings.kvm());
    }

    /** The factory for these settings, shared across the JVM. */
    public static MachineFactory shared(Settings settings) {
        String key = settings.cacheDir() + "|" + settings.path().orElse("") + "|" + settings.inheritPath()
                + "|" + settings.get("cache.remote").orElse("") + "|" + settings.agentChannel();
        return SHARED.computeIfAbsent(key, k -> new MachineFactory(settings));
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
                    MkosiVersion v = MkosiVersion.detect(runner);
                    cache = new ImageCache(settings.cacheDir(), v,
                            new MkosiBuilder(runner, settings.cacheDir(), settings.buildTimeout(), settings.incremental()),
                            new MirrorCheck(Duration.ofSeconds(5)), RegistryCache.fromSettings(settings),
                            settings.cacheMaxAge().orElse(null));
                }
                c = cache;
            }
        }
        return c;
    }

    /** Which backend a request gets, and why (logged). */
    public Boot chooseBoot(Boot requested, ImageSpec spec) {
        Boot b = requested == Boot.AUTO ? settings.boot() : requested;
        if (b != Boot.AUTO) {
            return b;
        }
        String why = nspawn.unusableReason();
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
        BootBackend backend = boot == Boot.NSPAWN ? nspawn : qemu;
        Duration bootTimeout = request.bootTimeout() != null ? request.bootTimeout()
                : settings.bootTimeout(boot == Boot.QEMU ? Duration.ofMinutes(5) : Duration.ofSeconds(90));
        String name = "bi-" + spec.distro().name() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        Path work = runtimeDir.resolve(name);
        // In a namespace of its own (boot/net), a container's sshd listens on its own 127.0.0.1:22, published on the host.
        boolean published = boot == Boot.NSPAWN && !request.network().host();
        int sshPort = spec.hasSshServer() ? (published ? 22 : freePort()) : 0;
        GuestNetwork net = null;
        SshKeys keys = transport == Transport.SSH ? SshKeys.generate(work.resolve("ssh")) : null;
        long start = System.nanoTime();
        RunningGuest guest;
        AgentChannel channel = null;
        try {
            Files.createDirectories(work);
            channel = settings.agentChannel() ? AgentChannel.create(work.resolve("channel"), runner) : null;
            net = Networking.create(boot, request.network(), name, work, runtimeDir, runner, reaper());
            guest = backend.start(image, new GuestOptions(name, work, sshPort,
                    keys == null ? null : keys.authorizedKey(), bootTimeout, channel, net));
            net.started(guest);
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
            reaper().register(name, guest, work);
            if (published && sshPort > 0) {
                hostSshPort = net.hostPort(22);
            }
            commands = transport == Transport.SSH
                    ? SshTransport.connect(name, hostSshPort, keys, console, guest::isAlive, bootTimeout)
                    : console;
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
                guest.accelerator(), image.entry(), hostSshPort, bootTime, request.network().network(), net.addresses());
        LOG.log(System.Logger.Level.INFO, "Machine {0} ({1}, {2}, {3}, {4}; agent on its {7}) ready in {5} ms for {6}",
                name, spec.label(), boot, transport, guest.accelerator(), bootTime.toMillis(), request.owner(), console.via());
        DefaultMachine[] self = new DefaultMachine[1];
        GuestNetwork network = net;
        self[0] = new DefaultMachine(guest, console, commands, info, spec.distro().packageManager(),
                settings.commandTimeout(), network, () -> {
                    closeQuietly(network);
                    LIVE.remove(self[0]);
                    reaper().unregister(name);
                    release(sshPort);
                    use.close();
                });
        LIVE.add(self[0]);
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
        LIVE.remove(m);
        reaper().unregister(m.name());
        reaper().unregister(m.name() + ".net"); // its namespace stays with it (boot/net)
    }

    /** Machines booted by this JVM and not closed yet. */
    public static Set<DefaultMachine> liveMachines() {
        return Set.copyOf(LIVE);
    }

    private static int freePort() {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = s.getLocalPort();
                if (PORTS.add(p)) {
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

    private static void release(int port) {
        if (port > 0) {
            PORTS.remove(port);
        }
    }
}
