package io.github.bootimage.boot.net;

import java.util.Locale;
import java.util.regex.Pattern;

/** Network and host names: what they may hold, and host names made from declarations' names. */
public final class HostNames {
    private static final Pattern NETWORK = Pattern.compile("[a-z][a-z0-9-]{0,14}");
    private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private HostNames() {
    }

    /**
     * Why a {@code network} value cannot be used, or null when it can. A named network's name is also
     * the name of the machine's link to it (at most 15 characters) and may appear in host names.
     */
    public static String networkProblem(String network) {
        if (network == null || network.isEmpty() || network.equals(NetworkRequest.HOST)) {
            return null;
        }
        if (!NETWORK.matcher(network).matches() || network.endsWith("-") || network.equals("lo")) {
            return "network = \"" + network + "\" cannot name a network: it names the machine's link to it and must"
                    + " be 1 to 15 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'"
                    + " (and not \"lo\"). Use a name such as \"" + suggest(network) + "\"; \"host\" shares the host's"
                    + " network and \"\" (the default) isolates the machine.";
        }
        return null;
    }

    /** Why a {@code hostname} value cannot be used, or null when it can. */
    public static String hostnameProblem(String hostname) {
        if (HOST.matcher(hostname).matches()) {
            return null;
        }
        return "hostname = \"" + hostname + "\" cannot name a host: use 1 to 63 characters of a-z, 0-9 and '-',"
                + " neither first nor last a '-', such as \"" + (fromName(hostname) == null ? "server" : fromName(hostname)) + "\".";
    }

    /**
     * The host name a field or parameter name gives: lower-cased, characters a host name cannot hold
     * replaced by '-', no '-' at either end, at most 63 characters; null when nothing usable is left.
     */
    public static String fromName(String name) {
        if (name == null) {
            return null;
        }
        String h = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
        if (h.length() > 63) {
            h = h.substring(0, 63).replaceAll("-+$", "");
        }
        return h.isEmpty() ? null : h;
    }

    private static String suggest(String network) {
        String s = network.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^[^a-z]+|-+$", "");
        if (s.length() > 15) {
            s = s.substring(0, 15).replaceAll("-+$", "");
        }
        return s.isEmpty() || s.equals("lo") ? "lan" : s;
    }
}
