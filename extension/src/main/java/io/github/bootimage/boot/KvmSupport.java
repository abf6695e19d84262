package io.github.bootimage.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.process.HostTools;

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

    /** Boots the kernel under KVM until it prints something; null when it did, else why not. */
    private String probe(Path kernel, HostTools tools) {
        Path qemu = tools.require(QemuBackend.QEMU, "to boot images as virtual machines");
        List<String> argv = new ArrayList<>(List.of(qemu.toString(), "-accel", "kvm", "-cpu", "host", "-m", "256",
                "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot",
                "-serial", "stdio", "-kernel", kernel.toString(), "-append", "console=ttyS0 panic=-1"));
        Process p = null;
        try {
            Path err = Files.createTempFile("bootimage-kvm-probe", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(argv).redirectError(err.toFile());
                pb.environment().put("PATH", tools.path());
                p = pb.start();
                p.getOutputStream().close();
                InputStream out = p.getInputStream();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROBE_SECONDS);
                boolean printed = false;
                while (System.nanoTime() < deadline && !printed) {
                    if (out.available() > 0) {
                        printed = true;
                    } else if (!p.isAlive() || Files.size(err) > 0 && kvmError(Files.readString(err))) {
                        break;
                    } else {
                        Thread.sleep(20);
                    }
                }
                String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
                if (kvmError(stderr)) {
                    return "a kernel started under KVM failed: " + firstLines(stderr, 3);
                }
                if (!p.isAlive() && !printed) {
                    return "qemu with -accel kvm exited with code " + p.exitValue() + (stderr.isEmpty() ? "" : ": " + firstLines(stderr, 3));
                }
                if (!printed) {
                    return "a kernel started under KVM printed nothing within " + PROBE_SECONDS + " s";
                }
                return null;
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return "the KVM probe could not run qemu: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "the KVM probe was interrupted";
        } finally {
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
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
