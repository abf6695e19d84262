package io.github.bootimage.transport;

import java.util.Map;

import net.schmizz.sshj.connection.channel.direct.Signal;

/** Linux signal numbers of the names SSH reports. */
final class SshSignals {
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(Map.entry("HUP", 1), Map.entry("INT", 2),
            Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("ABRT", 6), Map.entry("FPE", 8),
            Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12),
            Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15));

    private SshSignals() {
    }

    static int number(Signal s) {
        return NUMBERS.getOrDefault(s.name(), 0);
    }
}
