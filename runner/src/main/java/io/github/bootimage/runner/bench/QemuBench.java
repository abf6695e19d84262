package io.github.bootimage.runner.bench;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.Boot;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.QemuBackend;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.MachineRequest;

/**
 * The qemu backend's figures: boot to first command over the serial console next to a raw
 * {@code qemu-system-x86_64} direct-kernel boot of the same disk (same kernel, initrd, command line
 * and accelerator, an overlay made by hand) timed to its autologin prompt; and exec latency over
 * the serial console. Boots alternate between the two so that host noise hits both alike.
 */
public final class QemuBench implements BenchSection {

    private static final int BOOTS = 3;

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        MachineRequest req = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.QEMU, Transport.CONSOLE, null, "bench");
        Image image = ctx.factory().image(req);
        double[] raw = new double[BOOTS];
        double[] ours = new double[BOOTS];
        double[] exec = new double[Math.max(100, ctx.iterations())];
        String accel = null;
        for (int i = 0; i < BOOTS; i++) {
            long t = System.nanoTime();
            try (DefaultMachine m = ctx.factory().boot(req)) {
                m.exec("true");
                ours[i] = Stats.since(t);
                accel = m.info().accelerator();
                ctx.log().printf("bench: qemu boot %d to first command: %.0f ms (%s)%n", i + 1, ours[i], accel);
                if (i == 0) {
                    for (int k = 0; k < 10; k++) {
                        m.exec("true");
                    }
                    for (int k = 0; k < exec.length; k++) {
                        long e = System.nanoTime();
                        m.exec(ExecRequest.of("true"));
                        exec[k] = Stats.since(e);
                    }
                }
            }
            raw[i] = rawBoot(image, accel, ctx.factory().tools().path());
            ctx.log().printf("bench: raw qemu boot %d to prompt: %.0f ms%n", i + 1, raw[i]);
        }
        double rawP50 = Stats.percentile(raw, 50);
        double oursP50 = Stats.percentile(ours, 50);
        List<BenchRow> rows = new ArrayList<>();
        rows.add(new BenchRow(name(), "qemu (" + accel + ") boot to first command (console) p50 of " + BOOTS, oursP50, "ms",
                "raw qemu-system-x86_64 direct-kernel boot to autologin prompt", rawP50, "<= 1.2x raw", oursP50 <= 1.2 * rawP50));
        rows.add(new BenchRow(name(), "exec(true) over serial console p50", Stats.percentile(exec, 50), "ms", null,
                Double.NaN, null, null));
        rows.add(new BenchRow(name(), "exec(true) over serial console p95", Stats.percentile(exec, 95), "ms", null,
                Double.NaN, null, null));
        return rows;
    }

    /** qemu started by hand (no bootimage code in the path), timed from start to the root prompt. */
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
            List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", accel, "-m", "1024", "-smp", "2",
                    "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
                    "-chardev", "stdio,id=c,signal=off", "-serial", "chardev:c",
                    "-kernel", image.kernel().orElseThrow().toString(), "-initrd", image.initrd().orElseThrow().toString(),
                    "-append", QemuBackend.ROOT + " " + QemuBackend.KERNEL_COMMAND_LINE,
                    "-drive", "file=" + overlay + ",format=qcow2,if=virtio,cache=unsafe",
                    "-device", "virtio-rng-pci", "-nic", "user,model=virtio-net-pci"));
            if (accel.equals("kvm")) {
                cmd.addAll(List.of("-cpu", "host"));
            }
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
