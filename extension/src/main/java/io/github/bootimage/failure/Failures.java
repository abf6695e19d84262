package io.github.bootimage.failure;

import java.time.Duration;

import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineInfo;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.runtime.Texts;

/**
 * The one place the failures users see from {@code Machine.exec}, its helpers and a boot are built: each
 * method makes the exception with its whole message and its fields, once (no caller edits a message
 * afterwards). Messages name the machine, the command as {@code [command line]}, how it travelled
 * ({@code via}: "console", "agent channel", "ssh"), and the setting or parameter that changes the outcome
 * by its name ({@code ExecRequest.withTimeout(...)}, {@code bootimage.timeout.command}, {@code bootTimeout}).
 */
public final class Failures {
    private Failures() {
    }

    private static String command(String commandLine, String machine) {
        return "[" + commandLine + "] on machine " + machine;
    }

    // --- a command that ran and gave the wrong exit code -----------------------------------------------

    /**
     * {@code Machine.succeed} or {@code fail} got another exit code than expected.
     *
     * @param via      the transport's name
     * @param expected "exit code 0" or "a non-zero exit code"
     */
    public static CommandFailedException unexpectedExit(MachineInfo info, String via, String commandLine, ExecResult result,
                                                        String expected) {
        return new CommandFailedException(unexpectedExitText(info, via, commandLine, result, expected), info.name(),
                commandLine, result, null, null);
    }

    private static String unexpectedExitText(MachineInfo info, String via, String commandLine, ExecResult result,
                                             String expected) {
        return "Command " + command(commandLine, info.name()) + " (" + info.distro() + ":" + info.release() + ", "
                + info.boot().name().toLowerCase() + ", over " + via + ") exited with code " + result.exitCode()
                + ", expected " + expected + ", after " + result.duration().toMillis() + " ms"
                + Texts.section("stdout", result.stdout()) + Texts.section("stderr", result.stderr());
    }

    /** {@code Packages.version}: the package manager's query ({@code tool}) found no such package. */
    public static CommandFailedException packageNotInstalled(MachineInfo info, String via, String tool, String packageName,
                                                             String commandLine, ExecResult result) {
        return new CommandFailedException("Package '" + packageName + "' is not installed on machine " + info.name()
                + " (" + tool + " says so). Add it to @BootImage(packages = ...).\n"
                + unexpectedExitText(info, via, commandLine, result, "exit code 0"), info.name(), commandLine, result, null, null);
    }

    /**
     * A {@code waitFor...} or {@code waitUntilSucceeds} ended without its condition.
     *
     * @param what       what was awaited ("[systemctl is-active x] to succeed on bi-debian-1")
     * @param impossible true when the wait ended because it can no longer happen (the guest stopped)
     * @param lastSeen   what the last attempt saw
     */
    public static CommandFailedException waitFailed(String machine, String what, boolean impossible, Duration timeout,
                                                    String lastSeen) {
        return new CommandFailedException("Waited for " + what + (impossible ? " but it cannot happen anymore"
                : " for " + timeout.toMillis() + " ms") + ": " + lastSeen, machine, null, null, null, null);
    }

    // --- a command that could not run or whose answer did not come --------------------------------------

    /** The machine was closed before the command. */
    public static CommandFailedException machineClosed(String machine, String commandLine) {
        return new CommandFailedException("Cannot run " + command(commandLine, machine) + ": the machine was closed."
                + " A machine lives as long as its test (or class, with Lifecycle.PER_CLASS).", machine, commandLine,
                null, null, null);
    }

    /**
     * The agent or console shell did not take or answer the command (the guest is gone or its channel broke).
     *
     * @param why         what happened, without a final period
     * @param consoleTail the console's last lines
     */
    public static CommandFailedException consoleGone(String machine, String via, String commandLine, String why,
                                                     String consoleTail) {
        return new CommandFailedException("Cannot run " + command(commandLine, machine) + " (" + via + "): " + why
                + ". The guest may have powered itself off or crashed. Console tail:\n" + consoleTail, machine,
                commandLine, null, null, null);
    }

    /**
     * The SSH transport could not run the command.
     *
     * @param why          what happened, without a final period
     * @param described    the cause as the message quotes it in parentheses, or null when {@code why} says it
     * @param guestStopped whether the guest's process has ended
     * @param consoleTail  the console tail as messages show it (" Console tail:\n..."), or ""
     */
    public static CommandFailedException sshGone(String machine, String commandLine, String why, String described,
                                                 boolean guestStopped, String consoleTail, Throwable cause) {
        return new CommandFailedException("Cannot run " + command(commandLine, machine) + " (ssh): " + why
                + (described == null ? "" : " (" + described + ")") + (guestStopped ? "; the guest has stopped." : ".")
                + consoleTail, machine, commandLine, null, null, cause);
    }

    /** The thread running or waiting to run a command was interrupted. */
    public static CommandFailedException interrupted(String machine, String via, String commandLine, boolean beforeItRan) {
        return new CommandFailedException("Interrupted while " + (beforeItRan ? "waiting to run " : "running ")
                + command(commandLine, machine) + " (" + via + ")", machine, commandLine, null, null, null);
    }

    /** sshd ended the command's channel without an exit status or a signal. */
    public static CommandFailedException noExitStatus(String machine, String commandLine, ExecResult partial) {
        return new CommandFailedException("Command " + command(commandLine, machine) + " (ssh): sshd reported neither an"
                + " exit status nor a signal; the SSH connection may have dropped as it ended.", machine, commandLine,
                partial, partial.duration(), null);
    }

    /** The agent got other stdin bytes than were sent, and did not run the command. */
    public static CommandFailedException stdinDamaged(String machine, String via, String commandLine, int length, long cksum,
                                                      String consoleTail) {
        return new CommandFailedException("Command " + command(commandLine, machine) + " (" + via + ") was not run: its"
                + " stdin (" + length + " bytes, cksum " + cksum + ") arrived in the guest with other bytes. The machine"
                + " stays usable. Console tail:\n" + consoleTail, machine, commandLine, null, null, null);
    }

    /**
     * The command's answer arrived with other bytes than the agent sent.
     *
     * @param stream   "stdout" or "stderr"
     * @param problem  what arrived instead ("12 bytes with cksum 1 arrived")
     * @param lines    how many base64 lines arrived
     * @param sample   the start of those lines
     */
    public static CommandFailedException answerDamaged(String machine, String via, String commandLine, String stream,
                                                       long wantLength, long wantCksum, String problem, int lines,
                                                       String sample, String consoleTail) {
        return new CommandFailedException("Command " + command(commandLine, machine) + " (" + via + "): its answer arrived"
                + " with other bytes than the guest sent, so no result is given. The agent sent " + stream + " of "
                + wantLength + " bytes with cksum " + wantCksum + "; " + problem + " (" + lines
                + " base64 line(s), starting: " + sample.substring(0, Math.min(120, sample.length())) + "). Something"
                + " else wrote into the " + via + " in the middle of the frame; the machine stays usable."
                + (via.equals("console") ? " The console is shared with the guest's services and kernel: an image"
                + " with the agent's channel avoids this." : "") + " Console tail:\n" + consoleTail, machine, commandLine,
                null, null, null);
    }

    // --- timeouts ----------------------------------------------------------------------------------------

    /**
     * The command ran longer than its timeout and was killed.
     *
     * @param withChildren whether the processes it started were killed too
     * @param partial      the output that arrived before the kill, or null when none did
     */
    public static CommandTimeoutException timedOut(String machine, String via, String commandLine, Duration timeout,
                                                   boolean withChildren, ExecResult partial) {
        return new CommandTimeoutException("Command " + command(commandLine, machine) + " (" + via + ") timed out after "
                + timeout.toMillis() + " ms and was killed" + (withChildren ? " with its child processes" : "")
                + "; the machine is still usable. Pass a longer timeout with ExecRequest.withTimeout(...) or set"
                + " bootimage.timeout.command." + (partial == null ? "" : " Output so far:" + Texts.section("stdout", partial.stdout()) + Texts.section("stderr", partial.stderr())),
                machine, commandLine, timeout, partial);
    }

    /** No answer came at all, not even the agent's own timeout report. */
    public static CommandTimeoutException noAnswer(String machine, String via, String commandLine, Duration timeout,
                                                   Duration grace, String consoleTail) {
        return new CommandTimeoutException("Command " + command(commandLine, machine) + " (" + via + ") got no answer"
                + " within " + timeout.toMillis() + " ms plus " + grace.toSeconds() + " s of grace: the guest is hung or"
                + " its " + via + " is blocked. Console tail:\n" + consoleTail, machine, commandLine, timeout, null);
    }

    // --- boot --------------------------------------------------------------------------------------------

    /** The guest's process ended before its console or agent answered. */
    public static MachineLaunchException stoppedWhileBooting(String machine, String via, String exitDescription,
                                                             String consoleTail) {
        return new MachineLaunchException("Machine " + machine + " stopped while booting (" + exitDescription
                + ") before its " + via + " answered.", " Console tail:\n" + consoleTail, null);
    }

    /**
     * Nothing answered within the boot timeout.
     *
     * @param consoleShell true when the console's autologin shell was awaited, false for the agent
     */
    public static MachineLaunchException bootTimedOut(String machine, Duration bootTimeout, boolean consoleShell,
                                                      String exitDescription, String consoleTail) {
        return new MachineLaunchException("Machine " + machine + " did not boot within " + bootTimeout.toSeconds() + " s: "
                + (consoleShell ? "no autologin shell answered on its console"
                : "the bootimage agent did not answer on its channel (the image's bootimage-agent.service; see its journal)")
                + " (" + exitDescription + "). Raise bootTimeout or bootimage.timeout.boot if the host is slow.",
                " Console tail:\n" + consoleTail, null);
    }
}
