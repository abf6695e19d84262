package io.github.bootimage.runner;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.Boot;
import io.github.bootimage.boot.HostCapabilities;
import io.github.bootimage.image.Distro;
import io.github.bootimage.image.DistroHostSupport;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bootimage doctor}: what this host can do, and why not. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check the host: tools and versions, root, nspawn, KVM (by booting a kernel), per distribution its"
                + " build tools, archive key and mirror, cache.",
                "Exit code 1 when images cannot be built or booted at all here."})
final class DoctorCommand implements Callable<Integer> {
    @Mixin
    Config config;

    @Option(names = "--kernel", paramLabel = "FILE", description = "A Linux kernel for the KVM probe (default: /boot/vmlinuz-* or one in a cached image).")
    Path kernel;

    @Option(names = "--probe-seconds", defaultValue = "6", description = "How long the KVM and TCG probes may take each (default 6).")
    int probeSeconds;

    @Override
    public Integer call() throws Exception {
        Settings settings = config.settings();
        BootImageRuntime runtime = config.runtime();
        HostTools tools = runtime.tools();
        ProcessRunner runner = runtime.runner();
        boolean fatal = false;
        System.out.println("host");
        line("user", HostCapabilities.isRoot() ? "root" : "uid " + HostCapabilities.euid() + " (nspawn needs root; qemu works without)");
        line("init", HostCapabilities.systemdIsInit() ? "systemd" : "not systemd (nspawn runs with --register=no --keep-unit)");
        line("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println("tools");
        for (String[] t : new String[][] {{"mkosi", "--version"}, {"systemd-nspawn", "--version"},
                {"qemu-system-x86_64", "--version"}, {"qemu-img", "--version"}, {"mkfs.ext4", "-V"}, {"script", "--version"},
                {"ssh", "-V"}}) {
            var found = tools.find(t[0]);
            if (found.isEmpty()) {
                line(t[0], "MISSING: " + HostTools.missingMessage(t[0], "bootimage"));
                fatal |= t[0].equals("mkosi");
                continue;
            }
            var r = runner.run(List.of(found.get().toString(), t[1]), Duration.ofSeconds(10));
            String first = r.lines().isEmpty() ? "" : r.lines().get(0);
            line(t[0], MatrixReport.shorten(first.strip(), 90) + "  (" + found.get() + ")");
        }
        System.out.println("backends");
        String nspawn = runtime.unusableReason(Boot.NSPAWN);
        line("nspawn", nspawn == null ? "usable" : "UNUSABLE: " + nspawn);
        String kvm = kvm(tools, settings.cacheDir());
        line("kvm", kvm);
        fatal |= nspawn != null && tools.find("qemu-system-x86_64").isEmpty();
        System.out.println("distributions (build tools, archive key, mirror)");
        distributions(settings, tools);
        System.out.println("cache");
        Path root = settings.cacheDir();
        line("dir", root + (Files.isDirectory(root) ? "" : " (does not exist yet)"));
        if (Files.isDirectory(root)) {
            int n = CacheEntries.list(root).size();
            line("size", CacheEntries.size(CacheEntries.du(root)) + " in " + n + " image(s) and mkosi's package caches");
            FileStore fs = Files.getFileStore(root);
            line("free", CacheEntries.size(fs.getUsableSpace()) + " on " + fs.name());
        }
        var remote = io.github.bootimage.image.remote.RemoteSettings.of(settings);
        if (remote.isPresent()) {
            var rc = new io.github.bootimage.image.remote.RegistryCache(remote.get(), w -> { });
            try {
                line("remote", remote.get().url() + ": answers, " + rc.list().size() + " image(s); credentials from "
                        + remote.get().credentials());
            } catch (io.github.bootimage.image.remote.RegistryFailure e) {
                line("remote", remote.get().url() + ": UNUSABLE: " + e.getMessage() + " (runs build locally)");
            }
        } else {
            line("remote", "none (set --cache-remote oci://HOST[:PORT]/REPOSITORY to share images across machines)");
        }
        return fatal ? 1 : 0;
    }

    private String kvm(HostTools tools, Path cacheDir) throws IOException, InterruptedException {
        var problem = KvmProbe.devKvmProblem();
        if (problem.isPresent()) {
            return "UNUSABLE: " + problem.get() + "; qemu uses TCG (software emulation)";
        }
        var qemu = tools.find("qemu-system-x86_64");
        if (qemu.isEmpty()) {
            return "not checked: qemu-system-x86_64 is missing";
        }
        var k = KvmProbe.findKernel(kernel, cacheDir);
        if (k.isEmpty()) {
            return "/dev/kvm opens, but no kernel was found to check that a guest runs (give --kernel FILE,"
                    + " or build an image with a kernel: bootimage build --boot qemu debian:bookworm)";
        }
        KvmProbe.Result r = KvmProbe.run(qemu.get().toString(), "kvm", k.get(), probeSeconds);
        if (r.usable()) {
            return "usable: " + r.detail();
        }
        KvmProbe.Result tcg = KvmProbe.run(qemu.get().toString(), "tcg", k.get(), probeSeconds);
        return "UNUSABLE: /dev/kvm opens, but a guest under -accel kvm fails: " + r.detail() + "; qemu falls back to TCG ("
                + (tcg.usable() ? "works: " + tcg.detail() : "also failing: " + tcg.detail()) + "; kernel " + k.get() + ")";
    }

    /** Per registered distribution: the tools mkosi runs, the key it checks packages with, and the mirror. */
    private void distributions(Settings settings, HostTools tools) throws InterruptedException {
        Map<String, String> mirrors = mirrors(settings);
        for (Distro d : Distro.all()) {
            List<DistroHostSupport.Need> needs = new ArrayList<>(DistroHostSupport.tools(d, n -> tools.find(n).orElse(null)));
            DistroHostSupport.Need key = DistroHostSupport.key(d, d.defaultRelease(), Path.of("/"));
            boolean ok = needs.stream().allMatch(DistroHostSupport.Need::met);
            String mirror = mirrors.get(d.name());
            System.out.printf("  %-20s %s%n", d.name() + ":" + d.defaultRelease(), !ok ? "CANNOT BUILD: tools missing"
                    : mirror.contains("UNREACHABLE") ? "ready to build, but its mirror does not answer" : "ready to build");
            System.out.printf("  %-20s tools %s%n", "", String.join(", ", needs.stream().map(DistroHostSupport.Need::describe).toList()));
            System.out.printf("  %-20s key   %s%n", "", key.met() ? "found " + key.found()
                    : "MISSING " + key.what() + " (apt-get install " + key.debPackage() + "; mkosi then fetches it over the network)");
            System.out.printf("  %-20s mirror %s%n", "", mirror);
        }
    }

    private Map<String, String> mirrors(Settings settings) throws InterruptedException {
        MirrorCheck check = new MirrorCheck(Duration.ofSeconds(4));
        Map<String, String> result = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        for (Distro d : Distro.all()) {
            String url = settings.mirror(d.name()).orElse(d.mirrorProbe());
            pool.submit(() -> {
                String why = check.probe(url);
                result.put(d.name(), url + " " + (why.isEmpty() ? "answers" : "UNREACHABLE: " + why));
            });
        }
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.SECONDS);
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Distro d : Distro.all()) {
            String n = d.name();
            out.put(n, result.getOrDefault(n, "no answer in 30 s") + (result.getOrDefault(n, "").contains("UNREACHABLE")
                    ? " (set bootimage.mirror." + n + " or bootimage.repositories." + n + ")" : ""));
        }
        return out;
    }

    private static void line(String key, String value) {
        System.out.printf("  %-20s %s%n", key, value);
    }
}
