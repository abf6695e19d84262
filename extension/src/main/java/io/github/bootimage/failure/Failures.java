package io.github.bootimage.failure;

import java.time.Duration;

import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ImageBuildException;
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

    // --- SSH readiness (a machine booted with the SSH transport) ------------------------------------------

    /**
     * The guest's process ended before its sshd sent a banner.
     *
     * @param hostPort    where sshd was probed ({@code 127.0.0.1:40022})
     * @param lastAttempt what the last probe saw
     * @param consoleTail the console tail as messages show it (" Console tail:\n..."), or ""
     */
    public static MachineLaunchException sshStoppedBeforeBanner(String machine, String hostPort, String lastAttempt,
                                                                String consoleTail) {
        return new MachineLaunchException("Machine " + machine + " stopped before its sshd answered on " + hostPort
                + " (last attempt: " + lastAttempt + ").", consoleTail, null);
    }

    /** No SSH-2.0 banner within the boot timeout. */
    public static MachineLaunchException sshNoBanner(String machine, String hostPort, Duration timeout, String lastAttempt,
                                                     String consoleTail) {
        return new MachineLaunchException("Machine " + machine + ": sshd did not answer with an SSH-2.0 banner on "
                + hostPort + " within " + timeout.toMillis() + " ms (last attempt: " + lastAttempt + "). Check that the"
                + " image has an SSH server (packages = \"openssh-server\") and that ssh.socket listens on that port, or"
                + " use transport = Transport.CONSOLE.", consoleTail, null);
    }

    /**
     * The guest's host keys or root's authorized key did not appear.
     *
     * @param stopped    true when the guest stopped, false when the time ran out
     * @param noHostKeys true when /etc/ssh holds no host key, false when the authorized key is what is missing
     * @param lastCheck  what the last check over the console saw, or null when none ran
     */
    public static MachineLaunchException sshSetupFailed(String machine, boolean stopped, Duration timeout, boolean noHostKeys,
                                                        String lastCheck, String consoleTail) {
        return new MachineLaunchException("Machine " + machine + ": cannot set up SSH"
                + (stopped ? " (the guest stopped)" : " within " + timeout.toMillis() + " ms") + ": "
                + (noHostKeys ? "the guest has no SSH host keys in /etc/ssh (is openssh-server installed?)"
                : "root's /root/.ssh/authorized_keys does not hold the machine's key: the guest's systemd did not"
                + " install the credential ssh.authorized_keys.root (it needs systemd 252 or newer)")
                + ". Last check over the console: " + (lastCheck == null ? "none" : lastCheck)
                + "\nOr use transport = Transport.CONSOLE.", consoleTail, null);
    }

    /**
     * sshd refused the machine's key.
     *
     * @param endpoint {@code root@127.0.0.1:40022}
     * @param detail   what the SSH library said
     */
    public static MachineLaunchException sshAuthRefused(String machine, String endpoint, String detail, String consoleTail,
                                                        Throwable cause) {
        return new MachineLaunchException("Machine " + machine + ": SSH authentication refused at " + endpoint + " ("
                + detail + "). The guest did not accept the machine's key: it reaches root's authorized_keys through the"
                + " credential ssh.authorized_keys.root, which needs systemd 252 or newer in the guest; or use"
                + " transport = Transport.CONSOLE.", consoleTail, cause);
    }

    /**
     * Connecting or logging in failed for another reason.
     *
     * @param doing          what was being done ("connecting to root@127.0.0.1:40022")
     * @param described      the cause as the message quotes it
     * @param pinnedKeyTypes the types of the host keys pinned from the guest when the server showed another key,
     *                       else null
     */
    public static MachineLaunchException sshLoginFailed(String machine, String doing, String described,
                                                        java.util.List<String> pinnedKeyTypes, String consoleTail,
                                                        Throwable cause) {
        return new MachineLaunchException("Machine " + machine + ": SSH failed while " + doing + ": " + described
                + (pinnedKeyTypes == null ? "" : ". The server's host key is not one of the keys pinned from the guest's"
                + " /etc/ssh (" + String.join(", ", pinnedKeyTypes) + "): another process may be answering on this port")
                + ".", consoleTail, cause);
    }

    // --- copies (Machine.copyTo, Machine.copyFrom) ---------------------------------------------------------

    private static String copy(String operation, String from, String to) {
        return operation + " " + from + " -> " + to;
    }

    /**
     * The guest's side of a copy (its tar, or preparing the destination) exited with an error.
     *
     * @param operation "copyTo" or "copyFrom"
     * @param from      the source as the caller gave it (a host path for copyTo, a guest path for copyFrom)
     * @param to        the destination as the caller gave it
     * @param via       "console", "agent channel" or "ssh/sftp"
     * @param step      the guest's step that failed, such as "preparing the destination"; null for the copy itself
     * @param result    that step's result
     */
    public static CommandFailedException copyFailedInGuest(String machine, String via, String operation, String from,
                                                           String to, String step, ExecResult result) {
        return new CommandFailedException(copy(operation, from, to) + " on machine " + machine + " (" + via + ") failed"
                + (step == null ? "" : " " + step) + " in the guest: " + result, machine, copy(operation, from, to),
                result, null, null);
    }

    /**
     * A copy failed on the host or on the way (the host's tar, a file, the SFTP session).
     *
     * @param problem what happened, as the cause describes it
     */
    public static CommandFailedException copyFailed(String machine, String via, String operation, String from, String to,
                                                    String problem, Throwable cause) {
        return new CommandFailedException(copy(operation, from, to) + " on machine " + machine + " (" + via + ") failed: "
                + problem, machine, copy(operation, from, to), null, null, cause);
    }

    // --- image builds: reading an mkosi project, checking its repositories ------------------------------

    /**
     * Reading an mkosi project's settings ({@code mkosi summary}) failed.
     *
     * @param directory the project
     * @param problem   which step failed: mkosi ran too long, its summary could not be read, or it could not run
     * @param detail    the cause's message (null for {@code TIMED_OUT})
     * @param command   the mkosi command line
     */
    public static ImageBuildException mkosiSummaryFailed(String directory, MkosiSummaryProblem problem, String detail,
                                                         String command, Throwable cause) {
        String what = switch (problem) {
            case TIMED_OUT -> "mkosi took over 2 minutes to read the configuration " + directory + " and was stopped";
            case UNREADABLE -> "Could not read mkosi's summary of " + directory + " (" + detail + ")";
            case NOT_RUNNABLE -> "Could not run mkosi to read the configuration " + directory + ": " + detail;
        };
        return new ImageBuildException(what + "\ncommand: " + command, cause);
    }

    /** What went wrong reading an mkosi project's settings. */
    public enum MkosiSummaryProblem { TIMED_OUT, UNREADABLE, NOT_RUNNABLE }

    /** The settings read from a project could not be written into the image cache. */
    public static ImageBuildException cacheNotWritable(String file, String detail, Throwable cause) {
        return new ImageBuildException("Could not write " + file + " in the image cache: " + detail
                + ". Set bootimage.cache.dir to a writable directory.", cause);
    }

    /**
     * A repository file's repository answers with another HTTP status than 200 for its metadata.
     *
     * @param repositoryId the section name in the file ({@code [web]})
     * @param file         the repository file
     */
    public static ImageBuildException repositoryStatus(String repositoryId, String file, int status, String metadataUrl) {
        return new ImageBuildException("The repository '" + repositoryId + "' in " + file + " answers HTTP " + status
                + " for its metadata " + metadataUrl + ": baseurl= must name the directory that holds repodata/"
                + " (createrepo_c makes it). Fix baseurl= in " + file + ", or the server.");
    }

    /** The thread checking a repository before a build was interrupted. */
    public static ImageBuildException repositoryCheckInterrupted(String baseUrl, InterruptedException cause) {
        return new ImageBuildException("Interrupted while checking the repository " + baseUrl, cause);
    }
}
