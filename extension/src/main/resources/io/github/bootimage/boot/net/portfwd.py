# bootimage port forwarder: publishes TCP ports of a guest's network namespace on the host's 127.0.0.1.
# Usage: python3 portfwd.py NETNS_FILE. Reads "publish GUESTPORT" lines on stdin and answers
# "published GUESTPORT HOSTPORT" (or "error GUESTPORT TEXT") on stdout. Listening sockets are made in
# the host's namespace (the main thread never changes namespace); each connection's thread enters the
# guest's namespace (setns is per thread) and connects to 127.0.0.1:GUESTPORT there. A refused
# connection closes the host side at once. Exits when stdin ends (the JVM is gone).
import ctypes, os, socket, sys, threading

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
netns = sys.argv[1]


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def connection(client, guest_port):
    try:
        fd = os.open(netns, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + netns)
        finally:
            os.close(fd)
        guest = socket.create_connection(("127.0.0.1", guest_port), timeout=5)
        guest.settimeout(None)
    except OSError:
        # Nothing listens in the guest: reset the host side at once (no hang).
        try:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        client.close()
        return
    for s in (client, guest):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    back = threading.Thread(target=pump, args=(guest, client), daemon=True)
    back.start()
    pump(client, guest)
    back.join()
    client.close()
    guest.close()


def serve(listener, guest_port):
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=connection, args=(client, guest_port), daemon=True).start()


def publish(guest_port):
    for _ in range(20):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        if s.getsockname()[1] == guest_port:  # never the guest's own number
            s.close()
            continue
        s.listen(64)
        threading.Thread(target=serve, args=(s, guest_port), daemon=True).start()
        return s.getsockname()[1]
    raise OSError("no free port")


for line in sys.stdin:
    parts = line.split()
    if len(parts) == 2 and parts[0] == "publish":
        port = int(parts[1])
        try:
            print("published", port, publish(port), flush=True)
        except OSError as e:
            print("error", port, str(e).replace("\n", " "), flush=True)
    else:
        print("error 0 unknown request", flush=True)
os._exit(0)
