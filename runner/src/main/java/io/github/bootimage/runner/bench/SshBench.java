package io.github.bootimage.runner.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.Settings;
import io.github.bootimage.transport.SshKeys;

/**
 * The SSH transport's figures: {@code exec("true")} over the persistent sshj connection next to the
 * OpenSSH client making one connection per command, the OpenSSH client through a ControlMaster
 * connection, and {@code nsenter -t PID -a true}; boot to first command over SSH; and a 100 MB
 * copy round trip over SFTP next to the console's streamed copy.
 */
public final class SshBench implements BenchSection {

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        List<BenchRow> rows = new ArrayList<>();
        ImageSpec spec = ImageSpec.of("debian", "bookworm");
        Path tmp = Files.createTempDirectory("bootimage-sshbench");
        try (DefaultMachine m = ctx.factory().boot(new MachineRequest(spec, Boot.NSPAWN, Transport.SSH, null, "bench"))) {
            rows.add(new BenchRow(name(), "nspawn boot to first command (ssh: keys, banner, connect, auth)",
                    m.info().bootTime().toMillis(), "ms", null, Double.NaN, null, null));
            double[] sshj = Stats.execTrue(m, 20, Math.max(200, ctx.iterations()));
            double p50 = Stats.percentile(sshj, 50);
            double p95 = Stats.percentile(sshj, 95);
            // Today's default (agent sessions) against a session per command, on a second machine of the same image.
            double[] perSession;
            try (BootImageRuntime own = perCommandSessions(ctx);
                 DefaultMachine s = own.boot(new MachineRequest(spec, Boot.NSPAWN, Transport.SSH, null, "bench"))) {
                perSession = Stats.execTrue(s, 20, sshj.length);
            }

            // The baselines log in with a key of their own, added to the guest for this run.
            SshKeys own = SshKeys.generate(tmp.resolve("keys"));
            m.succeed("sh", "-c", "printf '\\n%s\\n' \"$1\" >> /root/.ssh/authorized_keys", "sh", own.authorizedKey());
            List<String> ssh = List.of("ssh", "-i", own.privateKey().toString(), "-p", Integer.toString(m.info().sshPort()),
                    "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "LogLevel=ERROR");
            double[] perConn = new double[Math.max(10, ctx.iterations() / 10)];
            for (int i = 0; i < perConn.length; i++) {
                perConn[i] = timed(concat(ssh, "root@127.0.0.1", "true"));
            }
            Path sock = tmp.resolve("cm.sock");
            List<String> cm = concat(ssh, "-S", sock.toString());
            run(concat(cm, "-M", "-f", "-N", "-o", "ControlPersist=120", "root@127.0.0.1"));
            double[] master = new double[Math.max(50, ctx.iterations() / 2)];
            try {
                for (int i = 0; i < 5; i++) {
                    timed(concat(cm, "root@127.0.0.1", "true"));
                }
                for (int i = 0; i < master.length; i++) {
                    master[i] = timed(concat(cm, "root@127.0.0.1", "true"));
                }
            } finally {
                run(concat(cm, "-O", "exit", "root@127.0.0.1"));
            }
            long init = m.guest().initPid().orElseThrow();
            double[] nsenter = new double[Math.max(50, ctx.iterations() / 2)];
            for (int i = 0; i < nsenter.length; i++) {
                nsenter[i] = timed(List.of("nsenter", "-t", Long.toString(init), "-a", "true"));
            }
            rows.add(new BenchRow(name(), "exec(true) over ssh (sshj, one connection) p50", p50, "ms",
                    "OpenSSH client, one connection per command p50", Stats.percentile(perConn, 50), "<= 5 ms", p50 <= 5));
            rows.add(new BenchRow(name(), "exec(true) over ssh (sshj, one connection) p50", p50, "ms",
                    "OpenSSH client through a ControlMaster p50", Stats.percentile(master, 50), null, null));
            rows.add(new BenchRow(name(), "exec(true) over ssh (sshj, one connection) p50", p50, "ms",
                    "nsenter -t PID -a true p50", Stats.percentile(nsenter, 50), "<= 1.0x nsenter",
                    p50 <= Stats.percentile(nsenter, 50)));
            rows.add(new BenchRow(name(), "exec(true) over ssh (sshj, one connection) p50", p50, "ms",
                    "a session per command (bootimage.ssh.agent=false) p50", Stats.percentile(perSession, 50), null, null));
            rows.add(new BenchRow(name(), "exec(true) over ssh (sshj, one connection) p95", p95, "ms",
                    "OpenSSH client through a ControlMaster p95", Stats.percentile(master, 95), null, null));

            Path big = bigFile(tmp.resolve("big.bin"));
            double sshCopy = roundTrip(m, big, tmp.resolve("ssh-back.bin"));
            double consoleCopy;
            try (DefaultMachine c = ctx.factory().boot(new MachineRequest(spec, Boot.NSPAWN, Transport.CONSOLE, null, "bench"))) {
                consoleCopy = roundTrip(c, big, tmp.resolve("console-back.bin"));
            }
            rows.add(new BenchRow(name(), "copyTo + copyFrom of 100 MB over ssh (sftp)", sshCopy, "ms",
                    "the same over the console (streamed base64)", consoleCopy, null, null));
        } finally {
            io.github.bootimage.image.ImageCache.deleteTree(tmp);
        }
        return rows;
    }

    /** A runtime like the run's whose SSH transport gives each command a session of its own. */
    private static BootImageRuntime perCommandSessions(BenchContext ctx) {
        Settings base = ctx.factory().settings();
        return BootImageRuntime.forHost(new Settings(k -> k.equals("bootimage.ssh.agent") ? Optional.of("false")
                : base.get(k.substring("bootimage.".length()))));
    }

    private static double roundTrip(DefaultMachine m, Path big, Path back) {
        long t = System.nanoTime();
        m.copyTo(big, "/var/tmp/big.bin");
        m.copyFrom("/var/tmp/big.bin", back);
        double ms = Stats.since(t);
        try {
            if (Files.mismatch(big, back) != -1) {
                throw new IllegalStateException("100 MB copy over " + m.info().transport() + " came back different");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ms;
    }

    private static Path bigFile(Path p) throws IOException {
        byte[] buf = new byte[1 << 20];
        Random r = new Random(7);
        try (OutputStream o = Files.newOutputStream(p)) {
            for (int i = 0; i < 100; i++) {
                r.nextBytes(buf);
                o.write(buf);
            }
        }
        return p;
    }

    private static List<String> concat(List<String> base, String... more) {
        List<String> l = new ArrayList<>(base);
        l.addAll(List.of(more));
        return l;
    }

    private static double timed(List<String> cmd) throws Exception {
        long t = System.nanoTime();
        run(cmd);
        return Stats.since(t);
    }

    private static void run(List<String> cmd) throws Exception {
        // Output goes to a file: a ControlMaster started with -f keeps inherited descriptors open.
        Path log = Files.createTempFile("bootimage-sshbench", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        String out = Files.readString(log);
        Files.delete(log);
        if (!ended) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " hung");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out.strip());
        }
    }
}
