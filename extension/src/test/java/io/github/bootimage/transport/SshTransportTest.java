package io.github.bootimage.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineLaunchException;

/** The SSH transport against an in-process MINA sshd running commands in a local shell. */
class SshTransportTest {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    SshKeys keys;
    SshTestServer server;
    SshTransport ssh;

    @BeforeEach
    void start() throws Exception {
        keys = SshKeys.generate(tmp.resolve("keys"));
        server = new SshTestServer(keys.authorizedKey());
    }

    @AfterEach
    void stop() throws Exception {
        if (ssh != null) {
            ssh.close();
        }
        server.close();
    }

    private SshTarget target(int port) {
        return new SshTarget("test-vm", "127.0.0.1", port, "root", keys, List.of(server.hostKeyLine()),
                () -> true, () -> "  | console line before the failure\n");
    }

    @Test
    void theKeepHintsSshCommandLogsInAsPrinted() throws Exception {
        String hint = keys.loginCommand(server.port());
        assertEquals("ssh -i " + keys.privateKey() + " -o IdentitiesOnly=yes -o UserKnownHostsFile=/dev/null"
                + " -o StrictHostKeyChecking=no -o LogLevel=ERROR -p " + server.port() + " root@127.0.0.1", hint);
        io.github.bootimage.process.ProcessRunner.Result r = io.github.bootimage.process.ProcessRunner.onHostPath()
                .run(List.of("sh", "-c", hint + " -o BatchMode=yes echo logged-in"), Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), r::output);
        assertEquals(List.of("logged-in"), r.lines());
    }

    @Test
    void execKeepsStdoutStderrExitCodeAndStdinApart() {
        ssh = SshTransport.open(target(server.port()), T);
        assertTrue(ssh.tcpNoDelay(), "TCP_NODELAY must be set on the SSH socket");
        ExecResult r = ssh.exec(ExecRequest.of("sh", "-c", "echo out; echo err >&2; exit 42"), T);
        assertEquals(42, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        String odd = "a b 'q' \"d\" $(x) `y` \n ü";
        assertEquals(odd, ssh.exec(ExecRequest.of("printf", "%s", odd), T).stdout());
        byte[] in = new byte[300_000];
        for (int i = 0; i < in.length; i++) {
            in[i] = (byte) ('a' + i % 26);
        }
        assertEquals(new String(in, StandardCharsets.US_ASCII), ssh.exec(ExecRequest.of("cat").withStdin(in), T).stdout());
    }

    @Test
    void severalThreadsExecAtOnceOnOneConnection() throws Exception {
        ssh = SshTransport.open(target(server.port()), T);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<String>> fs = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String n = Integer.toString(i);
                fs.add(pool.submit(() -> ssh.exec(ExecRequest.of("sh", "-c", "sleep 0.05; echo " + n), T).stdout()));
            }
            for (int i = 0; i < fs.size(); i++) {
                assertEquals(i + "\n", fs.get(i).get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void authenticationRefused() {
        server.acceptKeys = false;
        MachineLaunchException e = assertThrows(MachineLaunchException.class, () -> SshTransport.open(target(server.port()), T));
        assertTrue(e.getMessage().startsWith("Machine test-vm: SSH authentication refused at root@127.0.0.1:"
                + server.port()), e.getMessage());
        assertTrue(e.getMessage().contains("ssh.authorized_keys.root"), e.getMessage());
        assertTrue(e.getMessage().contains("console line before the failure"), e.getMessage());
    }

    @Test
    void connectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int p = port;
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> SshTransport.open(target(p), Duration.ofMillis(800)));
        assertTrue(e.getMessage().startsWith("Machine test-vm: sshd did not answer with an SSH-2.0 banner on 127.0.0.1:"
                + p + " within 800 ms (last attempt: connection refused)"), e.getMessage());
        assertTrue(e.getMessage().contains("console line before the failure"), e.getMessage());
    }

    @Test
    void silentPortTimesOutWaitingForTheBanner() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            MachineLaunchException e = assertThrows(MachineLaunchException.class,
                    () -> SshTransport.open(target(s.getLocalPort()), Duration.ofMillis(2500)));
            assertTrue(e.getMessage().contains("did not answer with an SSH-2.0 banner"), e.getMessage());
            assertTrue(e.getMessage().contains("no SSH-2.0 banner within 2000 ms"), e.getMessage());
        }
    }

    @Test
    void stoppedGuestFailsFast() {
        long t = System.nanoTime();
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> SshTransport.open(target(1).withAlive(() -> false), Duration.ofSeconds(30)));
        assertTrue(e.getMessage().startsWith("Machine test-vm stopped before its sshd answered on 127.0.0.1:1"), e.getMessage());
        assertTrue(System.nanoTime() - t < TimeUnit.SECONDS.toNanos(10), "must not wait for the whole timeout");
    }

    @Test
    void unpinnedHostKeyIsRejected() throws Exception {
        String other = SshTestServer.line(org.apache.sshd.common.config.keys.KeyUtils
                .generateKeyPair("ecdsa-sha2-nistp256", 256).getPublic());
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> SshTransport.open(target(server.port()).withHostKeys(List.of(other)), T));
        assertTrue(e.getMessage().startsWith("Machine test-vm: SSH failed while connecting to root@127.0.0.1:"), e.getMessage());
        assertTrue(e.getMessage().contains("host key") && e.getMessage().contains("pinned"), e.getMessage());
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "agents {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void aCommandReturnsWhenItsOwnProcessExitsWhileItsChildKeepsRunning(boolean agents) throws Exception {
        ssh = SshTransport.open(target(server.port()), T, agents);
        String marker = "27.1828" + ProcessHandle.current().pid() + (agents ? "1" : "2");
        long start = System.nanoTime();
        ExecResult r = ssh.exec(ExecRequest.of("sh", "-c", "(sleep " + marker + "; echo late) & echo started"), T);
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertEquals("started\n", r.stdout());
        assertEquals(0, r.exitCode());
        assertTrue(millis < 5_000, "the command waited " + millis + " ms for the child it left running");
        assertTrue(ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains(marker)),
                "the child must keep running");
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker))
                .forEach(ProcessHandle::destroyForcibly);
        if (agents) {
            return;
        }
        // A session per command: this connection's own files only: other runs on the host (the server is the host's /run) make theirs.
        ExecRequest count = ExecRequest.of("sh", "-c", "ls /run | grep -c '^bootimage-" + ssh.tagPrefix() + "-' || true");
        // Finished commands' files go a batch at a time, in the background: at most two a command for one
        // batch and the counting command's own two, however many commands ran; the rest when the transport closes.
        int n = SshTransport.DELETE_BATCH;
        for (int i = 0; i < 3 * n; i++) {
            ssh.exec(ExecRequest.of("sh", "-c", "echo out; echo err >&2"), T);
        }
        org.awaitility.Awaitility.await("finished commands' files to be deleted a batch at a time").atMost(Duration.ofSeconds(10))
                .until(() -> Integer.parseInt(ssh.exec(count, T).stdout().strip()) <= 2 * (n + 1) + 2);
        String prefix = "bootimage-" + ssh.tagPrefix() + "-";
        ssh.close();
        ssh = null;
        // The server's commands run on this host: its /run is theirs.
        try (var files = java.nio.file.Files.list(Path.of("/run"))) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(prefix)).toList(),
                    "a closed transport's files must all be deleted");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "agents {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void commandTimeoutKillsTheProcessTreeAndTheConnectionStaysUsable(boolean agents) throws Exception {
        ssh = SshTransport.open(target(server.port()), T, agents);
        String marker = "31.4159" + ProcessHandle.current().pid() + (agents ? "1" : "2");
        CommandTimeoutException e = assertThrows(CommandTimeoutException.class, () -> ssh.exec(
                ExecRequest.of("sh", "-c", "echo so far; sleep " + marker + " & sleep " + marker + "; echo never")
                        .withTimeout(Duration.ofMillis(500)), T));
        String command = "Command [sh -c 'echo so far; sleep " + marker + " & sleep " + marker + "; echo never'] on machine test-vm (ssh)"
                + " timed out after 500 ms and was killed";
        String hint = "; the machine is still usable. Pass a longer timeout with ExecRequest.withTimeout(...) or set bootimage.timeout.command.";
        // The agent kills the command's process group and sends what the command wrote so far; a session of its own
        // kills every process with the command's tag, and its output went with the session.
        assertEquals(agents ? command + hint + " Output so far:" + io.github.bootimage.runtime.Texts.section("stdout", "so far\n")
                + io.github.bootimage.runtime.Texts.section("stderr", "")
                : command + " with its child processes" + hint, e.getMessage());
        assertEquals("ok\n", ssh.exec(ExecRequest.of("echo", "ok"), T).stdout());
        org.awaitility.Awaitility.await("the command's child processes to be gone").atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(marker)));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "agents {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void connectionDroppedMidCommandNamesMachineAndCommandThenReconnects(boolean agents) throws Exception {
        ssh = SshTransport.open(target(server.port()), T, agents);
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            String marker = "5.0" + ProcessHandle.current().pid();
            Future<ExecResult> f = one.submit(() -> ssh.exec(ExecRequest.of("sleep", marker), T));
            // Dropped while the command runs, not before it started.
            org.awaitility.Awaitility.await("the command to run").atMost(Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains("sleep " + marker)));
            server.dropConnections();
            Exception ex = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
            CommandFailedException e = (CommandFailedException) ex.getCause();
            assertTrue(e.getMessage().startsWith("Cannot run [sleep " + marker + "] on machine test-vm (ssh): the SSH connection to"
                    + " root@127.0.0.1:" + server.port() + " dropped while it ran"), e.getMessage());
            assertTrue(e.getMessage().contains("console line before the failure"), e.getMessage());
        } finally {
            one.shutdownNow();
        }
        assertEquals("back\n", ssh.exec(ExecRequest.of("echo", "back"), T).stdout());
    }

    @Test
    void commandsShareAFewAgentSessionsWhoseDirectoriesGoWithTheTransport() throws Exception {
        ssh = SshTransport.open(target(server.port()), T);
        ExecRequest where = ExecRequest.of("sh", "-c", "echo \"$BOOTIMAGE_AGENT_DIR\"");
        String dir = ssh.exec(where, T).stdout().strip();
        assertTrue(dir.matches(".*/bootimage-agent-" + ssh.tagPrefix() + "-\\d+"), dir);
        assertTrue(java.nio.file.Files.isRegularFile(Path.of(dir, "agent.sh")), "the server's commands run on this host");
        assertEquals(dir, ssh.exec(where, T).stdout().strip(), "the next command runs on the same agent");
        ExecutorService pool = Executors.newFixedThreadPool(12);
        java.util.Set<String> dirs = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try {
            List<Future<ExecResult>> fs = new ArrayList<>();
            for (int i = 0; i < 36; i++) {
                String n = Integer.toString(i);
                fs.add(pool.submit(() -> ssh.exec(ExecRequest.of("sh", "-c", "sleep 0.1; echo " + n + "; echo \"$BOOTIMAGE_AGENT_DIR\" >&2"), T)));
            }
            for (int i = 0; i < fs.size(); i++) {
                ExecResult r = fs.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(i + "\n", r.stdout());
                dirs.add(r.stderr().strip());
            }
        } finally {
            pool.shutdownNow();
        }
        // At most MAX_AGENTS agents; a command that found them all busy ran in a session of its own (no agent directory).
        dirs.remove("");
        assertTrue(dirs.size() >= 2 && dirs.size() <= SshTransport.MAX_AGENTS, dirs.toString());
        // The test server kills a session's processes when it closes (OpenSSH ends their input, and the agent
        // removes its directory itself): the transport's close removes what such agents left.
        ssh.close();
        ssh = null;
        dirs.add(dir);
        org.awaitility.Awaitility.await("the agents to exit and remove their directories").atMost(Duration.ofSeconds(10))
                .until(() -> dirs.stream().noneMatch(d -> java.nio.file.Files.exists(Path.of(d))));
    }

    @Test
    void anAgentThatCannotStartLeavesCommandsToASessionEach() {
        server.refuseAgents = true;
        ssh = SshTransport.open(target(server.port()), T);
        ExecResult r = ssh.exec(ExecRequest.of("sh", "-c", "echo \"[$BOOTIMAGE_AGENT_DIR]\"; echo err >&2; exit 3"), T);
        assertEquals(3, r.exitCode());
        assertEquals("[]\n", r.stdout(), "not through an agent");
        assertEquals("err\n", r.stderr());
        assertTrue(ssh.agentsOff().startsWith("MachineLaunchException: Machine test-vm stopped while booting (its SSH session ended)"),
                ssh.agentsOff());
        assertEquals("ok\n", ssh.exec(ExecRequest.of("echo", "ok"), T).stdout());
    }

    @Test
    void serverGoneForGoodNamesMachineCommandAndTheFailedReconnect() throws Exception {
        ssh = SshTransport.open(target(server.port()), T);
        server.close();
        org.awaitility.Awaitility.await("the client to see the connection drop").atMost(Duration.ofSeconds(10))
                .until(() -> !ssh.connected());
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> ssh.exec(ExecRequest.of("uname", "-a"), T));
        assertTrue(e.getMessage().startsWith("Cannot run [uname -a] on machine test-vm (ssh): the SSH connection had dropped"
                + " and reconnecting failed: Machine test-vm: SSH failed while connecting to root@127.0.0.1:"), e.getMessage());
        assertTrue(e.getMessage().contains("ConnectException"), e.getMessage());
        assertEquals(1, e.getMessage().split("Console tail:", -1).length - 1,
                "the console tail once, after the whole message, not inside the failed reconnect's: " + e.getMessage());
    }

    @Test
    void closeDeletesTheMachineKeys() {
        ssh = SshTransport.open(target(server.port()), T);
        assertTrue(java.nio.file.Files.exists(keys.privateKey()));
        ssh.close();
        assertFalse(java.nio.file.Files.exists(keys.dir()), "the key pair must be gone after close");
        ssh = null;
    }

    @Test
    void execAfterCloseSaysSo() {
        ssh = SshTransport.open(target(server.port()), T);
        ssh.close();
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> ssh.exec(ExecRequest.of("true"), T));
        assertTrue(e.getMessage().startsWith("Cannot run [true] on machine test-vm (ssh): the transport was closed"),
                e.getMessage());
        ssh = null;
    }
}
