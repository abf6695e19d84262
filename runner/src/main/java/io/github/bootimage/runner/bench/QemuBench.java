package io.github.bootimage.runner.bench;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.Boot;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.GuestOptions;
import io.github.bootimage.boot.KvmSupport;
import io.github.bootimage.boot.QemuBackend;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.Settings;

/**
 * The qemu backend's figures, per accelerator (TCG always; KVM when {@code /dev/kvm} is there):
 * <ul>
 * <li>boot to first command with the default {@code fast} profile next to the same image booted with
 * the {@code plain} profile (the command line before the TCG tuning: 2 CPUs, the kernel and systemd
 * printing on the serial console, every unit started, the network card's boot ROM), target 0.6x;</li>
 * <li>the same boot next to a raw {@code qemu-system-x86_64} started by hand with the same command line
 * (minus the agent's channel), timed to its autologin prompt, target 1.2x: what bootimage adds;</li>
 * <li>exec latency over the agent's virtio-serial channel once the guest has finished starting, fast profile,
 * with the plain profile's as the baseline, target 20 ms; and beside it the guest's own fork, exec and wait
 * of {@code /bin/true} timed inside it, the floor that no channel removes.</li>
 * </ul>
 * Boots alternate (fast, plain, raw; then plain, fast, raw; ...) so that host noise hits all alike.
 * The profiles' own settings are used, not the run's {@code bootimage.qemu.*}.
 */
public final class QemuBench implements BenchSection {

    private static final int BOOTS = 3;

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        List<BenchRow> rows = new ArrayList<>(measure(ctx, "tcg"));
        Path kvm = Path.of("/dev/kvm");
        if (!Files.exists(kvm)) {
            rows.add(new BenchRow(name(), "qemu (kvm): not measured, this host has no /dev/kvm", Double.NaN, "", null,
                    Double.NaN, null, null));
        } else {
            try {
                rows.addAll(measure(ctx, "kvm"));
            } catch (RuntimeException e) {
                rows.add(new BenchRow(name(), "qemu (kvm): not measured, KVM did not work: " + e.getMessage(), Double.NaN, "",
                        null, Double.NaN, null, null));
            }
        }
        return rows;
    }

    /** A runtime like the run's, with the accelerator and the qemu profile forced and qemu's other settings at their defaults. */
    private static BootImageRuntime runtime(BenchContext ctx, String accel, String profile) {
        Settings base = ctx.factory().settings();
        Map<String, String> forced = Map.of("bootimage.kvm", accel.equals("kvm") ? "on" : "off", "bootimage.qemu.profile", profile);
        return BootImageRuntime.forHost(new Settings(k -> forced.containsKey(k) ? Optional.of(forced.get(k))
                : k.startsWith("bootimage.qemu.") ? Optional.empty() : base.get(k.substring("bootimage.".length()))));
    }

    private List<BenchRow> measure(BenchContext ctx, String accel) throws Exception {
        MachineRequest req = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.QEMU, Transport.CONSOLE, null, "bench");
        Image image = ctx.factory().image(req);
        double[] fastBoot = new double[BOOTS];
        double[] plainBoot = new double[BOOTS];
        double[] raw = new double[BOOTS];
        int n = Math.max(100, ctx.iterations() / 2);
        double[] fastExec = new double[n];
        double[] plainExec = new double[n];
        double[] guestExec = new double[2];
        String via = ctx.factory().settings().agentChannel() ? "agent channel (virtio-serial)" : "serial console";
        try (BootImageRuntime fast = runtime(ctx, accel, "fast"); BootImageRuntime plain = runtime(ctx, accel, "plain")) {
            for (int i = 0; i < BOOTS; i++) {
                for (int j = 0; j < 2; j++) {
                    boolean isFast = (i + j) % 2 == 0;
                    double[] boots = isFast ? fastBoot : plainBoot;
                    long t = System.nanoTime();
                    try (DefaultMachine m = (isFast ? fast : plain).boot(req)) {
                        m.exec("true");
                        boots[i] = Stats.since(t);
                        if (!m.info().accelerator().equals(accel)) {
                            throw new IllegalStateException("the VM booted with " + m.info().accelerator() + ", not " + accel);
                        }
                        ctx.log().printf("bench: qemu (%s) %s boot %d to first command: %.0f ms%n", accel,
                                isFast ? "fast" : "plain", i + 1, boots[i]);
                        if (i == 0) {
                            guestExec[isFast ? 0 : 1] = execTimes(m, isFast ? fastExec : plainExec);
                        }
                    }
                }
                raw[i] = rawBoot(image, accel, ctx.factory().tools().path());
                ctx.log().printf("bench: raw qemu (%s) boot %d to prompt: %.0f ms%n", accel, i + 1, raw[i]);
            }
        }
        double fastP50 = Stats.percentile(fastBoot, 50);
        double plainP50 = Stats.percentile(plainBoot, 50);
        double rawP50 = Stats.percentile(raw, 50);
        double execP50 = Stats.percentile(fastExec, 50);
        List<BenchRow> rows = new ArrayList<>();
        rows.add(new BenchRow(name(), "qemu (" + accel + ") boot to first command, fast profile, p50 of " + BOOTS, fastP50, "ms",
                "the same with the plain profile (the untuned command line)", plainP50, "<= 0.6x plain", fastP50 <= 0.6 * plainP50));
        rows.add(new BenchRow(name(), "qemu (" + accel + ") boot to first command, fast profile, p50 of " + BOOTS, fastP50, "ms",
                "raw qemu-system-x86_64, same command line, to autologin prompt", rawP50, "<= 1.2x raw", fastP50 <= 1.2 * rawP50));
        rows.add(new BenchRow(name(), "qemu (" + accel + ") exec(true) over the " + via + " p50, fast profile", execP50, "ms",
                "the same with the plain profile", Stats.percentile(plainExec, 50), "<= 20 ms", execP50 <= 20));
        rows.add(new BenchRow(name(), "qemu (" + accel + ") exec(true) over the " + via + " p50, fast profile", execP50, "ms",
                "the guest's own fork+exec+wait of /bin/true, in a bash loop inside it, p50", guestExec[0], null, null));
        rows.add(new BenchRow(name(), "qemu (" + accel + ") exec(true) over the " + via + " p95, fast profile",
                Stats.percentile(fastExec, 95), "ms", "the same with the plain profile", Stats.percentile(plainExec, 95), null, null));
        return rows;
    }

    /**
     * Times exec(true) once the guest has finished starting (its first minute after the first command still
     * runs the rest of the boot, which slowed every command 2-3x under TCG), and returns the p50 of the guest's
     * own fork, exec and wait of {@code /bin/true} in a bash loop inside it: the floor of any exec(true).
     */
    private static double execTimes(DefaultMachine m, double[] into) {
        m.exec(ExecRequest.of("systemctl", "is-system-running", "--wait").withTimeout(java.time.Duration.ofMinutes(5)));
        System.arraycopy(Stats.execTrue(m, 10, into.length), 0, into, 0, into.length);
        String loop = "for i in $(seq 30); do s=$EPOCHREALTIME; /bin/true; e=$EPOCHREALTIME; echo $(( ${e/[.,]/} - ${s/[.,]/} )); done";
        double[] inGuest = m.succeed("bash", "-c", loop).lines().mapToDouble(l -> Double.parseDouble(l.strip()) / 1000).toArray();
        return Stats.percentile(inGuest, 50);
    }

    /**
     * qemu started by hand (no bootimage code in the path but the command line's text: the fast
     * profile's, without the agent's channel), timed from start to the root prompt.
     */
    static double rawBoot(Image image, String accel, String path) throws Exception {
        Path dir = Files.createTempDirectory("bootimage-bench-qemu");
        Process p = null;
        try {
            Path overlay = dir.resolve("overlay.qcow2");
            long start = System.nanoTime();
            Process img = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                    image.disk().toString(), overlay.toString()).inheritIO().start();
            if (img.waitFor() != 0) {
                throw new IllegalStateException("qemu-img create failed for " + overlay);
            }
            HostTools tools = new HostTools(path);
            QemuBackend backend = new QemuBackend(tools, new ProcessRunner(tools), "off", new KvmSupport(dir.resolve("no-kvm")),
                    20_000, QemuBackend.Sizing.DEFAULT);
            List<String> cmd = backend.command(image, new GuestOptions("bench-raw", dir, 0, null, Duration.ofMinutes(5)),
                    accel, overlay, dir.resolve("qmp.sock"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr").toFile());
            pb.environment().put("PATH", path);
            p = pb.start();
            InputStream in = p.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (seen.indexOf("(automatic login)") >= 0 && seen.toString().matches("(?s).*# \\S*$")) {
                    return Stats.since(start);
                }
                if (seen.length() > 200_000) {
                    seen.delete(0, 100_000);
                }
            }
            throw new IllegalStateException("raw qemu exited before its prompt; saw: " + seen.substring(Math.max(0, seen.length() - 400)));
        } finally {
            if (p != null) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            ImageCache.deleteTree(dir);
        }
    }
}
