package io.github.bootimage.image;

import java.util.List;

/** The package database a distribution uses, and how to query one package's version in the guest. */
public enum PackageManager {
    DPKG("dpkg-query", List.of("dpkg-query", "-W", "-f=${Version}")),
    RPM("rpm", List.of("rpm", "-q", "--qf", "%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}")),
    PACMAN("pacman", List.of("pacman", "-Q"));

    private final String tool;
    private final List<String> versionQuery;

    PackageManager(String tool, List<String> versionQuery) {
        this.tool = tool;
        this.versionQuery = versionQuery;
    }

    /** The query tool's name in the guest. */
    public String tool() {
        return tool;
    }

    /** The argv that prints the installed version of {@code name} and exits non-zero when it is absent. */
    public List<String> versionQuery(String name) {
        var argv = new java.util.ArrayList<>(versionQuery);
        argv.add(name);
        return argv;
    }

    /** Turns the query's stdout into the bare version. */
    public String parseVersion(String stdout) {
        String s = stdout.strip();
        if (this == PACMAN) {
            int sp = s.lastIndexOf(' ');
            return sp < 0 ? s : s.substring(sp + 1);
        }
        return s;
    }
}
