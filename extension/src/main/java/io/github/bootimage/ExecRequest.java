package io.github.bootimage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A command to run in a guest, with everything besides its arguments. Arguments reach the guest
 * exactly as given, whatever characters they contain. Build one with {@link #of(String...)} and the
 * {@code with...} copies:
 *
 * <pre>{@code
 * machine.exec(ExecRequest.of("sh", "-c", "cat > /tmp/x")
 *         .withStdin("hello")
 *         .withTimeout(Duration.ofSeconds(5))
 *         .withEnv("LANG", "C.UTF-8")
 *         .withWorkdir("/tmp"));
 * }</pre>
 *
 * @param argv    the program and its arguments; at least one
 * @param timeout how long the command may run; null means the machine's default
 *                ({@code bootimage.timeout.command})
 * @param env     variables added to the command's environment
 * @param workdir the working directory in the guest; null means root's home
 * @param user    the user to run as; null means root
 * @param stdin   bytes fed to the command's standard input; empty means none
 */
public record ExecRequest(List<String> argv, Duration timeout, Map<String, String> env, String workdir,
                          String user, byte[] stdin) {

    public ExecRequest {
        Objects.requireNonNull(argv, "argv");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("ExecRequest needs at least one argument (the program to run)");
        }
        for (String a : argv) {
            Objects.requireNonNull(a, "ExecRequest argument must not be null: " + argv);
            if (a.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("ExecRequest argument contains a NUL character, "
                        + "which no program argument can hold: " + a.replace("\0", "\\0"));
            }
        }
        argv = List.copyOf(argv);
        env = Map.copyOf(env == null ? Map.of() : env);
        stdin = stdin == null ? new byte[0] : stdin.clone();
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("ExecRequest timeout must be positive but was: " + timeout);
        }
    }

    /** A request for these arguments with the machine's defaults for everything else. */
    public static ExecRequest of(String... argv) {
        return new ExecRequest(List.of(argv), null, Map.of(), null, null, new byte[0]);
    }

    public ExecRequest withTimeout(Duration t) {
        return new ExecRequest(argv, t, env, workdir, user, stdin);
    }

    public ExecRequest withEnv(String name, String value) {
        Map<String, String> m = new LinkedHashMap<>(env);
        m.put(name, value);
        return new ExecRequest(argv, timeout, m, workdir, user, stdin);
    }

    public ExecRequest withEnv(Map<String, String> variables) {
        return new ExecRequest(argv, timeout, variables, workdir, user, stdin);
    }

    public ExecRequest withWorkdir(String dir) {
        return new ExecRequest(argv, timeout, env, dir, user, stdin);
    }

    public ExecRequest withUser(String name) {
        return new ExecRequest(argv, timeout, env, workdir, name, stdin);
    }

    public ExecRequest withStdin(byte[] bytes) {
        return new ExecRequest(argv, timeout, env, workdir, user, bytes);
    }

    public ExecRequest withStdin(String text) {
        return withStdin(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] stdin() {
        return stdin.clone();
    }

    /** The arguments as one line, for messages. */
    public String commandLine() {
        return String.join(" ", argv.stream().map(ExecRequest::displayArg).toList());
    }

    private static String displayArg(String a) {
        if (!a.isEmpty() && a.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./=:,+@%".indexOf(c) >= 0)) {
            return a;
        }
        return "'" + a.replace("'", "'\\''").replace("\n", "\\n") + "'";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExecRequest r && argv.equals(r.argv) && Objects.equals(timeout, r.timeout)
                && env.equals(r.env) && Objects.equals(workdir, r.workdir) && Objects.equals(user, r.user)
                && java.util.Arrays.equals(stdin, r.stdin);
    }

    @Override
    public int hashCode() {
        return Objects.hash(argv, timeout, env, workdir, user, java.util.Arrays.hashCode(stdin));
    }

    @Override
    public String toString() {
        return commandLine();
    }
}
