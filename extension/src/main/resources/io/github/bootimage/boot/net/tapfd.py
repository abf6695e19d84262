# bootimage tap opener: plugs a qemu VM into a named network without a relay.
# Usage: python3 tapfd.py NETNS_FILE TAP QEMU ARGS... Opens /dev/net/tun while in the network's namespace
# (a tun file belongs to the namespace it was opened in), attaches it to the tap device TAP that bootimage
# made there and plugged into the network's bridge, returns to the host's namespace, and replaces itself
# with qemu, every "@TAPFD@" in ARGS replaced by the open file's number (-netdev tap,fd=N). The frames
# then go between qemu and the bridge in the kernel; the tap's file closes with qemu.
import ctypes, fcntl, os, struct, sys

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns " + path + ": " + os.strerror(e))
    finally:
        os.close(fd)


def main():
    netns, tap, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not any("@TAPFD@" in a for a in argv):
        raise SystemExit("bootimage tapfd.py: no @TAPFD@ in the qemu command line")
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    setns(netns)
    try:
        fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
    finally:
        if libc.setns(home, CLONE_NEWNET) != 0:
            raise SystemExit("bootimage tapfd.py: could not return to the host's network namespace")
        os.close(home)
    os.set_inheritable(fd, True)
    argv = [a.replace("@TAPFD@", str(fd)) for a in argv]
    os.execv(argv[0], argv)


try:
    main()
except OSError as e:
    sys.stderr.write("bootimage tapfd.py: could not open tap %s in %s: %s\n" % (sys.argv[2], sys.argv[1], e))
    sys.exit(1)
