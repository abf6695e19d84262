package io.github.bootimage.runner.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.github.bootimage.boot.GuestProcess;
import io.github.bootimage.image.Image;

/**
 * The raw baseline: systemd-nspawn started by hand under {@code script}, with no bootimage code in
 * the path, timed to its autologin prompt; then bare marker round trips over the same terminal.
 */
final class RawNspawn implements AutoCloseable {
    private final GuestProcess process;
    private final InputStream in;
    private final OutputStream out;
    private final StringBuilder seen = new StringBuilder();
    final double bootMillis;

    RawNspawn(Image image, String path) throws Exception {
        long start = System.nanoTime();
        process = GuestProcess.start(List.of("systemd-nspawn", "--quiet", "--boot", "--directory=" + image.directory(),
                "--volatile=overlay", "--machine=bench-raw-" + ProcessHandle.current().pid(), "--register=no", "--keep-unit",
                "--resolv-conf=off", "--timezone=off", "--link-journal=no", "systemd.firstboot=off"), true, "systemd-nspawn", path);
        in = process.output();
        out = process.input();
        readUntil("# ", 60_000);
        bootMillis = Stats.since(start);
        send("stty -echo; PS1=; PS2=\n");
        send("echo READY\n");
        readUntil("READY", 10_000);
    }

    /** One bare round trip: write {@code echo MARKn}, read until it comes back. */
    double roundTrip(int n) throws Exception {
        long t = System.nanoTime();
        send("echo MARK" + n + "\n");
        readUntil("MARK" + n + "\n", 10_000);
        return Stats.since(t);
    }

    private void send(String s) throws Exception {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private void readUntil(String marker, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        byte[] buf = new byte[8192];
        while (true) {
            int idx = seen.indexOf(marker.replace("\n", ""));
            if (idx >= 0 && (!marker.endsWith("\n") || seen.indexOf("\n", idx) >= 0)) {
                seen.setLength(0);
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("raw nspawn: no '" + marker.strip() + "' within " + timeoutMillis + " ms; saw: "
                        + seen.substring(Math.max(0, seen.length() - 400)));
            }
            int n = in.read(buf);
            if (n < 0) {
                throw new IllegalStateException("raw nspawn exited: " + process.exitDescription());
            }
            seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1).replace("\r", ""));
        }
    }

    long guestInit() {
        return process.child("systemd-nspawn").flatMap(n -> n.children().findFirst()).map(ProcessHandle::pid).orElseThrow();
    }

    @Override
    public void close() {
        process.stop(() -> process.child("systemd-nspawn").ifPresent(ProcessHandle::destroy), 15_000);
    }
}
