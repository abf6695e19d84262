package io.github.bootimage.junit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;

/**
 * A machine in a JUnit store: closed when its context ends, unless {@code bootimage.keep} says to keep
 * it (always, or on-failure after a failed test); a kept machine prints how to get in.
 */
final class ManagedMachine implements AutoCloseable {
    private final DefaultMachine machine;
    private final BootImageRuntime runtime;
    private final String keep;
    private volatile boolean failed;

    ManagedMachine(DefaultMachine machine, BootImageRuntime runtime, String keep) {
        this.machine = machine;
        this.runtime = runtime;
        this.keep = keep;
    }

    DefaultMachine machine() {
        return machine;
    }

    void markFailed() {
        failed = true;
    }

    /**
     * Saves the console log and the journal of this boot under {@code dir}; returns where, or why not.
     */
    String saveDiagnostics(Path dir) {
        StringBuilder where = new StringBuilder();
        try {
            Path d = Files.createDirectories(dir.resolve(machine.name()));
            Files.writeString(d.resolve("console.log"), machine.consoleLog());
            where.append(d.resolve("console.log").toAbsolutePath());
            try {
                Files.writeString(d.resolve("journal.txt"), machine.journal());
                where.append(", ").append(d.resolve("journal.txt").toAbsolutePath());
            } catch (RuntimeException e) {
                Files.writeString(d.resolve("journal.txt"), "journalctl could not be read: " + e.getMessage());
                where.append(" (journal not readable: ").append(e.getMessage().lines().findFirst().orElse("")).append(')');
            }
        } catch (IOException e) {
            return "could not save diagnostics under " + dir + ": " + e.getMessage();
        }
        return where.toString();
    }

    @Override
    public void close() {
        if ("always".equals(keep)) {
            runtime.detach(machine);
            System.err.println("bootimage: keeping machine " + machine.name() + " running (bootimage.keep=always); get in with: "
                    + machine.loginHint() + " ; it is not stopped when the JVM ends: stop it yourself.");
            return;
        }
        if ("on-failure".equals(keep) && failed) {
            System.err.println("bootimage: keeping machine " + machine.name() + " after a failed test (bootimage.keep=on-failure)"
                    + " until the test run ends; get in with: " + machine.loginHint());
            return;
        }
        machine.close();
    }
}
