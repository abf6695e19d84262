package io.github.bootimage.runner.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.github.bootimage.Boot;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.Settings;

/**
 * The agent's own channel next to the console fallback in the same run: exec latency on nspawn and
 * qemu, and 1,000 commands in a row with the agent's memory and open files in the guest and the
 * JVM's heap and open files on the host before and after.
 */
public final class AgentBench implements BenchSection {

    @Override
    public String name() {
        return "agent";
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        List<BenchRow> rows = new ArrayList<>();
        Settings base = ctx.factory().settings();
        BootImageRuntime channel = ctx.factory();
        try (BootImageRuntime console = BootImageRuntime.forHost(with(base, "agent.channel", "console"));
             BootImageRuntime forking = BootImageRuntime.forHost(with(base, "agent.spawn", "false"))) {
          for (Boot boot : List.of(Boot.NSPAWN, Boot.QEMU)) {
            MachineRequest req = new MachineRequest(ImageSpec.of("debian", "bookworm"), boot, Transport.CONSOLE, null, "bench");
            int n = boot == Boot.QEMU ? Math.max(100, ctx.iterations() / 2) : Math.max(300, ctx.iterations());
            double[] overConsole = execTimes(console, req, n, ctx)[0];
            double[][] channelTimes = execTimes(channel, req, n, ctx);
            double[][] forkTimes = execTimes(forking, req, n, ctx);
            double[] overChannel = channelTimes[0];
            String where = boot == Boot.QEMU ? "qemu (virtio-serial)" : "nspawn (FIFOs)";
            for (int p : new int[] {50, 95}) {
                rows.add(new BenchRow(name(), "exec(true) over the agent channel, " + where + " p" + p,
                        Stats.percentile(overChannel, p), "ms", "the agent forking for each command (agent.spawn=false) p" + p,
                        Stats.percentile(forkTimes[0], p), "", null));
            }
            rows.add(new BenchRow(name(), "exec(sh -c 'echo out; echo err >&2') over the agent channel, " + where + " p50",
                    Stats.percentile(channelTimes[1], 50), "ms", "the agent forking for each command (agent.spawn=false) p50",
                    Stats.percentile(forkTimes[1], 50), "", null));
            if (boot == Boot.NSPAWN) {
                double[] nsenter = nsenterTimes(channel, req, Math.max(50, n / 4));
                double floor = Stats.percentile(nsenter, 50);
                double p50 = Stats.percentile(overChannel, 50);
                double p95 = Stats.percentile(overChannel, 95);
                rows.add(new BenchRow(name(), "exec(true) over the agent channel, nspawn p50", p50, "ms",
                        "nsenter -t PID -a true p50", floor, "<= 0.5x nsenter", p50 <= 0.5 * floor));
                rows.add(new BenchRow(name(), "exec(true) over the agent channel, nspawn p95", p95, "ms",
                        "nsenter -t PID -a true p50", floor, "<= 3x nsenter p50", p95 <= 3 * floor));
            }
            for (int p : new int[] {50, 95}) {
                double ours = Stats.percentile(overChannel, p);
                double theirs = Stats.percentile(overConsole, p);
                rows.add(new BenchRow(name(), "exec(true) over the agent channel, " + where + " p" + p, ours, "ms",
                        "the same over the console fallback p" + p, theirs, "<= 1.0x console", ours <= theirs));
            }
          }
        }
        rows.addAll(thousandCommands(channel, ctx));
        return rows;
    }

    /** The run's settings with one of them changed (KEY without its "bootimage." prefix). */
    private static Settings with(Settings base, String key, String value) {
        return new Settings(k -> k.equals("bootimage." + key) ? Optional.of(value) : base.get(k.substring("bootimage.".length())));
    }

    /** exec("true") and a command with output ([0] and [1]), n times each, on one machine. */
    private static double[][] execTimes(BootImageRuntime f, MachineRequest req, int n, BenchContext ctx) {
        double[][] t = new double[2][n];
        ExecRequest[] commands = {ExecRequest.of("true"), ExecRequest.of("sh", "-c", "echo out; echo err >&2")};
        try (DefaultMachine m = f.boot(req)) {
            ctx.log().printf("bench: %s over %s%n", req.boot(), !f.settings().agentChannel() ? "the console"
                    : f.settings().agentSpawn() ? "the agent channel" : "the agent channel (agent.spawn=false)");
            for (int i = 0; i < 20; i++) {
                m.exec("true");
            }
            for (int c = 0; c < commands.length; c++) {
                for (int i = 0; i < n; i++) {
                    long s = System.nanoTime();
                    m.exec(commands[c]);
                    t[c][i] = Stats.since(s);
                }
            }
        }
        return t;
    }

    /** The floor: entering the running guest's namespaces from the host, timed the same way. */
    private static double[] nsenterTimes(BootImageRuntime f, MachineRequest req, int n) throws Exception {
        double[] t = new double[n];
        try (DefaultMachine m = f.boot(req)) {
            long hostPid = m.guest().initPid().orElseThrow(() -> new IllegalStateException("the nspawn guest has no init to enter"));
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                Process p = new ProcessBuilder("nsenter", "-t", Long.toString(hostPid), "-a", "true").start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("nsenter -t " + hostPid + " -a true exited with " + p.exitValue());
                }
                t[i] = Stats.since(s);
            }
        }
        return t;
    }

    private List<BenchRow> thousandCommands(BootImageRuntime f, BenchContext ctx) throws Exception {
        List<BenchRow> rows = new ArrayList<>();
        MachineRequest req = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE, null, "bench");
        try (DefaultMachine m = f.boot(req)) {
            String pid = m.succeed("systemctl", "show", "-P", "MainPID", "bootimage-agent").strip();
            ExecRequest probe = ExecRequest.of("sh", "-c", "grep VmRSS /proc/" + pid + "/status | tr -s ' ' | cut -d' ' -f2;"
                    + " ls /proc/" + pid + "/fd | wc -l; ls /run/bootimage | wc -l;"
                    // agent-spawn's memory too (0 when the agent runs without it)
                    + " x=; for p in /proc/[0-9]*; do n=; read -r n < $p/comm 2>/dev/null;"
                    + " [ \"$n\" = agent-spawn ] && x=$(grep VmRSS $p/status | tr -s ' ' | cut -d' ' -f2); done; echo ${x:-0}");
            for (int i = 0; i < 50; i++) {
                m.exec("sh", "-c", "echo out; echo err >&2");
            }
            String[] before = m.succeed(probe.argv().toArray(String[]::new)).strip().split("\n");
            System.gc();
            long heapBefore = usedHeap();
            long fdsBefore = hostFds();
            long start = System.nanoTime();
            double[] each = new double[1000];
            for (int i = 0; i < each.length; i++) {
                long t = System.nanoTime();
                m.exec("sh", "-c", "echo out; echo err >&2");
                each[i] = Stats.since(t);
            }
            double took = Stats.since(start);
            double first = Stats.percentile(java.util.Arrays.copyOfRange(each, 0, 100), 50);
            double last = Stats.percentile(java.util.Arrays.copyOfRange(each, 900, 1000), 50);
            String[] after = m.succeed(probe.argv().toArray(String[]::new)).strip().split("\n");
            System.gc();
            long heapAfter = usedHeap();
            long fdsAfter = hostFds();
            rows.add(new BenchRow(name(), "1,000 commands in a row (nspawn), total", took, "ms", null, Double.NaN, null, null));
            rows.add(new BenchRow(name(), "1,000 commands in a row: p50 of the last 100", last, "ms",
                    "p50 of the first 100", first, "no slowdown (<= 1.2x)", last <= 1.2 * first));
            rows.add(new BenchRow(name(), "guest: agent RSS after 1,000 commands", Double.parseDouble(after[0]), "kB",
                    "before", Double.parseDouble(before[0]), "no growth", Double.parseDouble(after[0]) <= Double.parseDouble(before[0]) + 64));
            rows.add(new BenchRow(name(), "guest: agent-spawn RSS after 1,000 commands", Double.parseDouble(after[3]), "kB",
                    "before", Double.parseDouble(before[3]), "no growth", Double.parseDouble(after[3]) <= Double.parseDouble(before[3]) + 64));
            rows.add(new BenchRow(name(), "guest: agent open files after 1,000 commands", Double.parseDouble(after[1]), "",
                    "before", Double.parseDouble(before[1]), "no growth", after[1].equals(before[1])));
            rows.add(new BenchRow(name(), "guest: files in the agent's directory after 1,000 commands", Double.parseDouble(after[2]), "",
                    "before", Double.parseDouble(before[2]), "<= 4 a command for the last 32", Double.parseDouble(after[2]) <= 4 * 32 + 4));
            rows.add(new BenchRow(name(), "host: JVM open files after 1,000 commands", fdsAfter, "",
                    "before", fdsBefore, "no growth", fdsAfter <= fdsBefore));
            rows.add(new BenchRow(name(), "host: JVM heap in use after 1,000 commands (after GC)", heapAfter / 1048576.0, "MB",
                    "before", heapBefore / 1048576.0, "no growth", heapAfter <= heapBefore + 4L * 1048576));
        }
        return rows;
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static long hostFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
