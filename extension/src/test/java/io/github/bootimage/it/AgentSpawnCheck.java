package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bootimage.ExecRequest;
import io.github.bootimage.Machine;

/**
 * In a real guest, whose agent systemd (or sshd) starts: a plain argument list starts from the image's
 * agent-spawn, and gets the same signal mask and dispositions, environment, directory and umask as a
 * command the agent forks itself (one with an environment variable). On the host the unit tests cannot
 * see every difference: a JVM starts their agent with signals 32 and 33 ignored already.
 */
final class AgentSpawnCheck {
    private static final String PROBE = "cat /proc/$PPID/comm; grep -E '^Sig(Blk|Ign|Cgt)' /proc/$$/status; pwd; umask;"
            + " env | grep -v '^A=' | LC_ALL=C sort";

    private AgentSpawnCheck() {
    }

    static void plainCommandsStartFromAgentSpawnAsTheAgentsOwnForkWould(Machine machine) {
        String plain = machine.succeed("sh", "-c", PROBE);
        String forked = machine.exec(ExecRequest.of("sh", "-c", PROBE).withEnv("A", "1")).stdout();
        assertTrue(plain.startsWith("agent-spawn\n"), plain);
        assertTrue(forked.startsWith("bash\n"), forked);
        assertEquals(forked.substring(forked.indexOf('\n')), plain.substring(plain.indexOf('\n')));
    }
}
