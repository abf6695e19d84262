package io.github.bootimage.boot.net;

/**
 * How a machine is networked, as declared.
 *
 * @param network  {@link #ISOLATED} (the default: loopback only, ports published on request), {@link #HOST}
 *                 (the host's network as it is), or the name of a private network shared by the machines that
 *                 name it in one scope
 * @param hostname the machine's host name on a named network (null for the default: the declaration's name)
 * @param where    the declaration, for messages ("field [LanIT.server]")
 * @param scope    the networks a named network is looked up in (one per test class instance tree); null when
 *                 the machine joins no named network
 */
public record NetworkRequest(String network, String hostname, String where, NetworkScope scope) {
    public static final String ISOLATED = "";
    public static final String HOST = "host";

    /** The default: an isolated machine. */
    public static final NetworkRequest DEFAULT = new NetworkRequest(ISOLATED, null, null, null);

    public NetworkRequest {
        network = network == null ? ISOLATED : network;
    }

    public boolean isolated() {
        return network.isEmpty();
    }

    public boolean host() {
        return HOST.equals(network);
    }

    /** Whether the machine joins a named network. */
    public boolean named() {
        return !isolated() && !host();
    }

    public NetworkRequest withScope(NetworkScope s) {
        return new NetworkRequest(network, hostname, where, s);
    }

    public NetworkRequest withHostname(String h) {
        return new NetworkRequest(network, h, where, scope);
    }

    /** For messages: "field [LanIT.server]", or the machine's name when the declaration is unknown. */
    public String describe(String machine) {
        return where != null ? where + " (machine " + machine + ")" : "machine " + machine;
    }
}
