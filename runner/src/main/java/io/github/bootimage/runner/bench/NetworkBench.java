package io.github.bootimage.runner.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.net.NetworkRequest;
import io.github.bootimage.boot.net.NetworkScope;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.MachineRequest;

/**
 * Issue 14's figures: boot to first command of an isolated container next to one on the host's network,
 * eight isolated containers booted at once, and the round trip of a small HTTP request guest to guest on a
 * named network and host to guest through a published port (each next to its direct counterpart).
 */
public final class NetworkBench implements BenchSection {
    static final int PORT = 8080;

    @Override
    public String name() {
        return "network";
    }

    private static MachineRequest request(NetworkRequest n) {
        return new MachineRequest(ImageSpec.of("debian", "bookworm").withPackages("busybox"), Boot.NSPAWN,
                Transport.CONSOLE, null, "bench").withNetwork(n);
    }

    private static void serve(DefaultMachine m) {
        m.succeed("sh", "-c", "mkdir -p /srv/www && echo hello > /srv/www/index.html && busybox httpd -p " + PORT
                + " -h /srv/www");
        m.waitForPort(PORT, Duration.ofSeconds(20));
    }

    /** Per-request milliseconds of {@code n} sequential busybox wget fetches of {@code url}, measured in the guest. */
    private static double[] wgets(DefaultMachine m, String url, int n) {
        String out = m.succeed("sh", "-c", "for i in $(seq " + n + "); do a=$(date +%s%N); busybox wget -q -O /dev/null "
                + url + " || exit 1; b=$(date +%s%N); echo $(( (b - a) / 1000 )); done");
        String[] lines = out.strip().split("\n");
        double[] ms = new double[lines.length];
        for (int i = 0; i < lines.length; i++) {
            ms[i] = Long.parseLong(lines[i].strip()) / 1000.0;
        }
        return ms;
    }

    /** Per-request milliseconds of {@code n} HTTP/1.0 GETs from the host, a new connection each. */
    private static double[] gets(int port, int n) throws Exception {
        double[] ms = new double[n];
        for (int i = 0; i < n + 5; i++) {
            long t = System.nanoTime();
            try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.0\r\nHost: guest\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String r = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                if (!r.startsWith("HTTP/1.0 200") && !r.startsWith("HTTP/1.1 200")) {
                    throw new IllegalStateException("not a 200 answer: " + r);
                }
            }
            if (i >= 5) {
                ms[i - 5] = Stats.since(t);
            }
        }
        return ms;
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        List<BenchRow> rows = new ArrayList<>();
        ctx.factory().image(request(NetworkRequest.DEFAULT));
        int boots = 9;
        double[] isolated = new double[boots];
        double[] host = new double[boots];
        for (int i = 0; i < boots; i++) {
            long t = System.nanoTime();
            try (DefaultMachine m = ctx.factory().boot(request(new NetworkRequest(NetworkRequest.HOST, null, null, null)))) {
                m.exec("true");
                host[i] = Stats.since(t);
            }
            t = System.nanoTime();
            try (DefaultMachine m = ctx.factory().boot(request(NetworkRequest.DEFAULT))) {
                m.exec("true");
                isolated[i] = Stats.since(t);
            }
        }
        double iso = Stats.percentile(isolated, 50);
        double hst = Stats.percentile(host, 50);
        rows.add(new BenchRow(name(), "nspawn boot to first command, isolated, p50 of " + boots, iso, "ms",
                "the same on the host's network", hst, "<= +100 ms", iso <= hst + 100));

        int many = 8;
        ExecutorService pool = Executors.newFixedThreadPool(many);
        List<DefaultMachine> machines = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            List<Future<DefaultMachine>> fs = new ArrayList<>();
            for (int i = 0; i < many; i++) {
                fs.add(pool.submit(() -> {
                    DefaultMachine m = ctx.factory().boot(request(NetworkRequest.DEFAULT));
                    m.exec("true");
                    return m;
                }));
            }
            for (Future<DefaultMachine> f : fs) {
                machines.add(f.get());
            }
            double all = Stats.since(t0);
            rows.add(new BenchRow(name(), many + " isolated containers booted at once, to the last first command", all,
                    "ms", "one isolated boot p50", iso, null, null));
        } finally {
            for (DefaultMachine m : machines) {
                m.close();
            }
            pool.shutdown();
        }

        int n = Math.max(50, ctx.iterations());
        NetworkScope scope = new NetworkScope("bench");
        try (DefaultMachine client = ctx.factory().boot(request(new NetworkRequest("lan", "client", "bench client", scope)));
             DefaultMachine server = ctx.factory().boot(request(new NetworkRequest("lan", "server", "bench server", scope)))) {
            serve(server);
            double[] local = wgets(server, "http://127.0.0.1:" + PORT + "/", n);
            double[] lan = wgets(client, "http://server:" + PORT + "/", n);
            rows.add(new BenchRow(name(), "HTTP request guest to guest on a named network (busybox wget) p50",
                    Stats.percentile(lan, 50), "ms", "the same request to the guest's own 127.0.0.1",
                    Stats.percentile(local, 50), null, null));
            double[] published = gets(server.hostPort(PORT), n);
            rows.add(new BenchRow(name(), "HTTP request host to guest through hostPort (busybox httpd, a new connection each) p50",
                    Stats.percentile(published, 50), "ms", "the same to a guest on the host's network",
                    Double.NaN, null, null));
        } finally {
            scope.close();
        }
        try (DefaultMachine onHost = ctx.factory().boot(request(new NetworkRequest(NetworkRequest.HOST, null, null, null)))) {
            onHost.succeed("sh", "-c", "mkdir -p /srv/www && echo hello > /srv/www/index.html && busybox httpd -p 18633 -h /srv/www");
            onHost.waitForPort(18633, Duration.ofSeconds(20));
            double direct = Stats.percentile(gets(18633, n), 50);
            BenchRow last = rows.remove(rows.size() - 1);
            rows.add(new BenchRow(last.section(), last.metric(), last.value(), last.unit(), last.baseline(), direct,
                    null, null));
        }
        return rows;
    }
}
