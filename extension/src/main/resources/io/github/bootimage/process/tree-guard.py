# bootimage tree guard: runs a command and makes sure nothing it started outlives it.
#   python3 -c "$(cat tree-guard.py)" JVM_PID COMMAND [ARG...]
# It becomes a child subreaper (orphans of the command are re-parented to it, not to PID 1) and gets
# SIGTERM when the JVM thread that started it ends, however the JVM ended (SIGKILL included). On
# SIGTERM it asks the command to stop (SIGTERM), and after a grace period, or as soon as the command
# has exited, it kills every process left below it with SIGKILL and reaps them. Its exit code is the
# command's (128 + N when the command died of signal N).
import ctypes, os, signal, sys, time

GRACE = 3.0


class Stop(Exception):
    pass


def on_term(signum, frame):
    raise Stop()


def descendants():
    children = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/' + name + '/stat', 'rb') as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(b')') + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(name))
    found, todo = [], [os.getpid()]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_all():
    for _ in range(100):
        left = descendants()
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)
        reap()


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)                 # PR_SET_CHILD_SUBREAPER
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)     # PR_SET_PDEATHSIG
    if os.getppid() != int(sys.argv[1]):       # the JVM thread ended before the line above
        sys.exit(143)
    child = None
    code = 1
    try:
        child = os.fork()
        if child == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                os.execvp(sys.argv[2], sys.argv[2:])
            except OSError as e:
                os.write(2, ('tree guard: could not run %s: %s\n' % (sys.argv[2], e.strerror)).encode())
                os._exit(127)
        while True:
            pid, status = os.waitpid(-1, 0)
            if pid == child:
                code = os.waitstatus_to_exitcode(status)
                code = 128 - code if code < 0 else code
                break
    except Stop:
        code = 143
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if child:
            try:
                os.kill(child, signal.SIGTERM)
            except OSError:
                pass
            deadline = time.monotonic() + GRACE
            while time.monotonic() < deadline:
                try:
                    pid, _ = os.waitpid(child, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == child:
                    break
                time.sleep(0.05)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        kill_all()
        reap()
    sys.exit(code)


main()
