package io.github.bootimage.boot.net;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.process.ProcessRunner;

/** iproute2's {@code ip}, for the namespaces, links and bridges bootimage makes (and only those). */
final class Ip {
    private final ProcessRunner runner;

    Ip(ProcessRunner runner) {
        this.runner = runner;
    }

    /** Runs {@code ip ARGS}; a failure throws, naming the command and what ip said. */
    void run(String what, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(runner.tools().require("ip", "(iproute2) to give machines their own network namespaces").toString());
        cmd.addAll(List.of(args));
        ProcessRunner.Result r;
        try {
            r = runner.run(cmd, Duration.ofSeconds(20));
        } catch (IOException e) {
            throw new MachineLaunchException("Could not " + what + ": " + e.getMessage(), e);
        }
        if (!r.succeeded()) {
            throw new MachineLaunchException("Could not " + what + " (exit code " + r.exitCode() + "): "
                    + r.output().strip() + "\ncommand: " + r.commandLine());
        }
    }

    /** Like {@link #run} but only logs a failure (for clean-up). */
    void quietly(String what, String... args) {
        try {
            run(what, args);
        } catch (RuntimeException e) {
            System.getLogger(Ip.class.getName()).log(System.Logger.Level.DEBUG, e.getMessage());
        }
    }

    /**
     * A new network namespace with its loopback up: nothing else brings it up (a container's systemd left
     * it down in one joined by path; its first command then found nothing on 127.0.0.1).
     */
    void addNamespace(String netns) {
        run("create network namespace " + netns, "netns", "add", netns);
        try {
            run("bring up the loopback of " + netns, "-n", netns, "link", "set", "lo", "up");
        } catch (RuntimeException e) {
            deleteNamespace(netns);
            throw e;
        }
    }

    void deleteNamespace(String netns) {
        quietly("delete network namespace " + netns, "netns", "delete", netns);
    }
}
