package io.github.bootimage.transport;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;

/** {@link AgentChannelTest}'s tests on an agent without agent-spawn, as an image built before it runs: it forks for each command. */
class AgentChannelForkingTest extends AgentChannelTest {

    @BeforeAll
    static void start() throws Exception {
        agent = new LocalAgent(dir.resolve("forking"), false);
        agent.transport.awaitReady(Duration.ofSeconds(20));
    }
}
