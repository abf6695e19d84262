package io.github.bootimage.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.Waits;

/**
 * The accelerator policy {@code bootimage.kvm = auto | on | off} and what this JVM learned about KVM.
 *
 * <p>On some hosts (nested virtualisation) {@code /dev/kvm} opens, but a guest run with
 * {@code -accel kvm} dies at once with "KVM internal error ... emulation failure". So "KVM if
 * usable" means trying it: the first time a VM is to boot with KVM, the image's own kernel is
 * started under KVM in a throw-away qemu until it prints on its serial line (KVM works) or qemu
 * reports a KVM error, exits, or stays silent for {@link #PROBE_SECONDS} s (KVM does not work). The
 * result is remembered for the rest of the JVM, and so is a KVM error of a real guest later on.
 * {@code auto} then uses TCG; {@code on} fails with the reason and suggests {@code auto}; {@code off}
 * never tries KVM.
 */
public final class KvmSupport {
    private static final System.Logger LOG = System.getLogger(KvmSupport.class.getName());

    /** How long the probe waits for the kernel's first output under KVM. */
    public static final int PROBE_SECONDS = 10;

    private final Path device;
    private volatile Boolean works;
    private volatile String reason = "not tried yet";

    /** @param device the KVM device ({@code /dev/kvm}; tests give another path) */
    public KvmSupport(Path device) {
        this.device = device;
    }

    /** The policy value, checked: auto, on or off. */
    public static String policy(String value) {
        String v = value == null ? "auto" : value.strip().toLowerCase(Locale.ROOT);
        if (!v.equals("auto") && !v.equals("on") && !v.equals("off")) {
            throw new IllegalArgumentException("bootimage.kvm = '" + value + "' is not valid: use auto, on or off");
        }
        return v;
    }

    /**
     * The accelerator for a VM: "kvm" or "tcg".
     *
     * @param policy auto, on or off
     * @param kernel the image's kernel, for the probe
     * @throws MachineLaunchException for {@code on} when KVM cannot be used, saying why
     */
    public String choose(String policy, Path kernel, HostTools tools) {
        String p = policy(policy);
        if (p.equals("off")) {
            return "tcg";
        }
        if (works == null) {
            synchronized (this) {
                if (works == null) {
                    String problem = deviceProblem();
                    if (problem == null) {
                        problem = probe(kernel, tools);
                    }
                    remember(problem);
                }
            }
        }
        if (works) {
            return "kvm";
        }
        if (p.equals("on")) {
            throw new MachineLaunchException("bootimage.kvm=on, but KVM cannot be used on this host: " + reason
                    + ". Use bootimage.kvm=auto (KVM when it works, else TCG) or bootimage.kvm=off.");
        }
        return "tcg";
    }

    /** Why KVM was judged usable or not, for logs. */
    public String reason() {
        return reason;
    }

    /** Records that a guest running under KVM died with a KVM error: later VMs of this JVM use TCG. */
    public void kvmFailed(String why) {
        remember("a guest died under KVM: " + why);
    }

    private void remember(String problem) {
        works = problem == null;
        reason = problem == null ? "a kernel booted under KVM" : problem;
        LOG.log(System.Logger.Level.INFO, "KVM is {0} for this JVM: {1}", works ? "usable" : "not usable", reason);
    }

    private String deviceProblem() {
        if (!Files.exists(device)) {
            return device + " does not exist (no KVM module loaded, or no hardware virtualisation)";
        }
        if (!Files.isReadable(device) || !Files.isWritable(device)) {
            return device + " cannot be opened read-write by this user (add the user to the 'kvm' group)";
        }
        return null;
    }

    /** Boots the kernel under KVM until its banner; null when it came, else why not. */
    private String probe(Path kernel, HostTools tools) {
        Path qemu = tools.require(QemuBackend.QEMU, "to boot images as virtual machines");
        try {
            Probe r = probeGuest(qemu.toString(), "kvm", kernel, Duration.ofSeconds(PROBE_SECONDS), tools.path());
            return r.usable() ? null : "a kernel started under KVM failed: " + r.detail();
        } catch (IOException e) {
            return "the KVM probe could not run qemu: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "the KVM probe was interrupted";
        }
    }

    /**
     * What one probe saw.
     *
     * @param usable whether the guest kernel printed its banner
     * @param detail the time to the banner, or the error or the console's last line
     */
    public record Probe(boolean usable, String detail) {
    }

    /**
     * The one probe of an accelerator (the backends' KVM verdict and {@code bootimage doctor} use it): boots
     * {@code kernel} with no root file system under {@code accel} (kvm or tcg) and watches the serial console
     * for the kernel's banner, for at most {@code limit}. A broken KVM (nested virtualisation) reports a KVM
     * error or makes no progress; /dev/kvm opening is not enough.
     */
    public static Probe probeGuest(String qemu, String accel, Path kernel, Duration limit, String path)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(qemu, "-accel", accel));
        if (accel.equals("kvm")) {
            cmd.addAll(List.of("-cpu", "host"));
        }
        cmd.addAll(List.of("-m", "256", "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
                "-no-reboot", "-serial", "stdio", "-kernel", kernel.toString(), "-append", "console=ttyS0 panic=-1"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (path != null) {
            pb.environment().put("PATH", path);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        long t0 = System.nanoTime();
        StringBuilder out = new StringBuilder();
        StringBuilder errors = new StringBuilder();
        Thread reader = reader(p.getInputStream(), out, "kvm-probe-console");
        Thread errReader = reader(p.getErrorStream(), errors, "kvm-probe-stderr");
        try {
            Waits.Outcome o = Waits.until("the kernel's banner under " + accel, limit, Duration.ofMillis(20), () -> {
                synchronized (errors) {
                    return kvmError(errors.toString()) || !p.isAlive() && !banner(out);
                }
            }, () -> banner(out));
            if (o == Waits.Outcome.MET) {
                return new Probe(true, "guest kernel started in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
        } finally {
            // Only a running qemu is stopped: destroy() closes the streams, and an exited one's last words
            // (its KVM error) must still reach the readers.
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            }
            reader.join(10_000);
            errReader.join(10_000);
        }
        if (banner(out)) { // it printed the banner and exited before a poll saw it
            return new Probe(true, "guest kernel started within " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
        String console;
        String err;
        synchronized (out) {
            console = out.toString();
        }
        synchronized (errors) {
            err = errors.toString();
        }
        return new Probe(false, explain(console, err, limit));
    }

    private static boolean banner(StringBuilder out) {
        synchronized (out) {
            return out.indexOf("Linux version") >= 0;
        }
    }

    private static String explain(String console, String stderr, Duration limit) {
        List<String> errs = stderr.lines().map(String::strip).filter(l -> !l.isEmpty())
                .filter(l -> !l.contains("terminating on signal")).toList();
        for (String l : errs) {
            if (kvmError(l) || l.contains("Could not access KVM") || l.toLowerCase(Locale.ROOT).contains("error")) {
                return l;
            }
        }
        List<String> lines = console.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String where = lines.isEmpty() ? "it printed nothing on its console"
                : "its console stopped at \"" + shorten(lines.get(lines.size() - 1), 80) + "\"";
        return "the guest made no progress in " + limit.toSeconds() + " s: " + where + ", the kernel never printed its"
                + " banner (typical of nested virtualisation that KVM cannot run)"
                + (errs.isEmpty() ? "" : "; qemu said: " + firstLines(String.join("\n", errs), 3));
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    private static Thread reader(InputStream in, StringBuilder out, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (out) {
                        if (out.length() < 200_000) {
                            out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static boolean kvmError(String stderr) {
        return stderr.contains("KVM internal error") || stderr.contains("failed to initialize kvm")
                || stderr.contains("KVM_");
    }

    private static String firstLines(String s, int n) {
        String[] lines = s.split("\n");
        return String.join(" / ", java.util.Arrays.copyOf(lines, Math.min(n, lines.length))).strip();
    }
}
