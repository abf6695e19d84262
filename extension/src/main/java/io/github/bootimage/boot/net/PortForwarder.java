package io.github.bootimage.boot.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.github.bootimage.BootImageException;
import io.github.bootimage.process.HostTools;

/**
 * Publishes TCP ports of a network namespace on the host's 127.0.0.1: one small python3 process per
 * machine ({@code portfwd.py}; mkosi needs python3, so every host that builds images has it) that
 * listens in the host's namespace and connects in the guest's. It exits when its stdin, a pipe from
 * this JVM, ends, so it never outlives the JVM; {@link #close()} stops it at once.
 */
final class PortForwarder implements AutoCloseable {
    private final Process process;
    private final OutputStream requests;
    private final BufferedReader answers;
    private final Map<Integer, Integer> published = new ConcurrentHashMap<>();
    private final String machine;

    private PortForwarder(Process process, String machine) {
        this.process = process;
        this.machine = machine;
        this.requests = process.getOutputStream();
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts a forwarder into the namespace at {@code netnsFile} (such as /run/netns/NAME). */
    static PortForwarder start(HostTools tools, Path workDir, String netnsFile, String machine) {
        try {
            Path script = workDir.resolve("portfwd.py");
            if (!Files.exists(script)) {
                try (InputStream s = PortForwarder.class.getResourceAsStream("portfwd.py")) {
                    Files.write(script, s.readAllBytes());
                }
            }
            Path python = Files.isExecutable(Path.of("/usr/bin/python3")) ? Path.of("/usr/bin/python3")
                    : tools.require("python3", "to publish guest ports on the host's 127.0.0.1");
            ProcessBuilder pb = new ProcessBuilder(python.toString(), "-I", "-u", script.toString(), netnsFile)
                    .redirectError(ProcessBuilder.Redirect.appendTo(workDir.resolve("portfwd.log").toFile()));
            return new PortForwarder(pb.start(), machine);
        } catch (IOException e) {
            throw new BootImageException("Could not start the port forwarder of machine " + machine + ": " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** The host port that reaches {@code guestPort} in the namespace (the same one on every call). */
    synchronized int publish(int guestPort) {
        Integer known = published.get(guestPort);
        if (known != null) {
            return known;
        }
        String line;
        try {
            requests.write(("publish " + guestPort + "\n").getBytes(StandardCharsets.US_ASCII));
            requests.flush();
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return answers.readLine();
                } catch (IOException e) {
                    return null;
                }
            });
            line = answer.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new BootImageException("The port forwarder of machine " + machine + " did not answer for port "
                    + guestPort + ": " + e, e);
        }
        String[] f = line == null ? new String[0] : line.split(" ", 3);
        if (f.length == 3 && f[0].equals("published")) {
            int hostPort = Integer.parseInt(f[2].strip());
            published.put(guestPort, hostPort);
            return hostPort;
        }
        throw new BootImageException("Could not publish port " + guestPort + " of machine " + machine + ": "
                + (line == null ? "the forwarder exited" : line));
    }

    @Override
    public void close() {
        try {
            requests.close();
        } catch (IOException ignored) {
            // gone already
        }
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
