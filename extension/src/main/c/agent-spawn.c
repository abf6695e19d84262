/*
 * bootimage agent-spawn: starts the agent's commands without a fork of bash.
 *
 * The agent (extension/src/main/resources/io/github/bootimage/transport/console-agent.sh) runs each command
 * in a forked bash subshell. Where the command is a plain argument list, which is how the host renders
 * every ExecRequest without a working directory, environment or user (`exec 'ARG' 'ARG'...`), this helper
 * starts it with vfork and execve instead: no copy of bash's memory. Anything else it hands back, and
 * the agent runs the command as before, so both paths give the same bytes, exit code and files.
 *
 *   agent-spawn DIR        DIR: the agent's directory, where command K's files are oK, eK and iK
 *
 * Its fd 3 is the agent's channel to the host. It prints "ready" once, then reads one request a line and
 * answers each with one line:
 *   K STDIN TIMEOUT ID COMMAND  STDIN 1: iK is stdin, 0: /dev/null. TIMEOUT: seconds as the host sent them,
 *                               "0" for none. ID: the host's id for the frame, or - to leave the frame to the
 *                               agent. COMMAND: the command as the host sent it (\xHH-escaped).
 *   RC FLAG OLEN OCRC ELEN ECRC FRAMED
 *                               the command ran: its exit status as bash's wait gives it (128+N for signal N),
 *                               ok or timeout, the length and POSIX cksum CRC of its stdout and stderr, and 1
 *                               when this program wrote the command's frame to fd 3 (exactly the bytes the
 *                               agent would write: no fork of cksum and base64 for each command), else 0
 *   RC FLAG - - - - 0           the command ran, but its output files could not be read (the command took
 *                               them away): the agent frames it, as before
 *   - F - - - - 0               not run: not a plain argument list, or the program could not be started;
 *                               the agent runs it itself (and says why it failed, as bash says it)
 * The command gets stdin, stdout (oK) and stderr (eK) as the agent's subshell would, leads a process
 * group of its own (a timeout kills the whole group), and inherits this process's environment, working
 * directory, umask and signal dispositions, which are the agent's, with an empty signal mask. Like bash's
 * wait, it answers when the command exits or stops. Every 32 commands (K a multiple of 32) it first removes
 * the earlier commands' files, which the agent then leaves to it. It exits when the agent does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Writes all of S to FD, or exits: the agent then sees agent-spawn gone. */
static void write_all(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            _exit(1);
        }
        s += w;
        n -= (size_t) w;
    }
}

/* A reply line to the agent. */
static void answer(const char *s) {
    write_all(1, s, strlen(s));
}

static int hex(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Undoes the host's escaping (safe bytes as they are, the rest \xHH) in place; -1 for anything else or NUL. */
static ssize_t unescape(char *s) {
    char *r = s, *w = s;
    while (*r) {
        if (*r != '\\') {
            *w++ = *r++;
            continue;
        }
        if (r[1] != 'x' || hex(r[2]) < 0 || hex(r[3]) < 0) {
            return -1;
        }
        int c = hex(r[2]) * 16 + hex(r[3]);
        if (c == 0) {
            return -1;
        }
        *w++ = (char) c;
        r += 4;
    }
    *w = 0;
    return w - s;
}

/*
 * Splits `exec 'A' 'B'...` (each word single-quoted, a quote inside written '\'') into argv, in place.
 * Returns the number of words, or -1 when the command is anything else.
 */
static int words(char *s, char **argv, int max) {
    if (strncmp(s, "exec ", 5) != 0) {
        return -1;
    }
    char *r = s + 4, *w = s;
    int n = 0;
    while (*r == ' ') {
        r++;
        if (*r != '\'' || n == max) {
            return -1;
        }
        argv[n++] = w;
        while (*r && *r != ' ') {
            if (*r == '\'') {
                char *end = strchr(r + 1, '\'');
                if (end == NULL) {
                    return -1;
                }
                size_t len = (size_t) (end - r - 1);
                memmove(w, r + 1, len);
                w += len;
                r = end + 1;
            } else if (r[0] == '\\' && r[1] == '\'') {
                *w++ = '\'';
                r += 2;
            } else {
                return -1;
            }
        }
        *w++ = 0;
    }
    if (*r != 0 || n == 0) {
        return -1;
    }
    argv[n] = NULL;
    return n;
}

/* The program bash's exec would run: NAME itself if it has a slash, else the first executable regular file on PATH. */
static char *find(const char *name, char *buf, size_t size) {
    if (strchr(name, '/') != NULL) {
        return strlen(name) < size ? strcpy(buf, name) : NULL;
    }
    const char *path = getenv("PATH");
    if (path == NULL || *name == 0) {
        return NULL;
    }
    for (const char *p = path;; ) {
        const char *colon = strchrnul(p, ':');
        size_t dl = (size_t) (colon - p);
        int len = dl == 0 ? snprintf(buf, size, "%s", name) : snprintf(buf, size, "%.*s/%s", (int) dl, p, name);
        struct stat st;
        if (len > 0 && (size_t) len < size && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) {
            return buf;
        }
        if (*colon == 0) {
            return NULL;
        }
        p = colon + 1;
    }
}

static unsigned int crc_table[256];

static void crc_init(void) {
    for (unsigned int i = 0; i < 256; i++) {
        unsigned int c = i << 24;
        for (int j = 0; j < 8; j++) {
            c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
        }
        crc_table[i] = c;
    }
}

/* Buffered writes to the channel (fd 3): a small frame leaves in one write. */
static char obuf[65536];
static size_t olen;

static void flush_out(void) {
    write_all(3, obuf, olen);
    olen = 0;
}

static void put(const char *s, size_t n) {
    while (n > 0) {
        if (olen == sizeof obuf) {
            flush_out();
        }
        size_t m = sizeof obuf - olen < n ? sizeof obuf - olen : n;
        memcpy(obuf + olen, s, m);
        olen += m;
        s += m;
        n -= m;
    }
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* One output file: its length and cksum CRC, and its base64 (one line, as base64 -w0) when emit. -1 if unreadable. */
static int digest(const char *path, int emit, unsigned long long *length, unsigned int *crc) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    static unsigned char in[3 * 16384];
    char enc[4 * 16384];
    unsigned int c = 0;
    unsigned long long n = 0;
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, in + have, sizeof in - have);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            close(fd);
            return -1;
        }
        for (ssize_t i = 0; i < r; i++) {
            c = (c << 8) ^ crc_table[(c >> 24) ^ in[have + (size_t) i]];
        }
        n += (unsigned long long) r;
        have += (size_t) r;
        if (r > 0 && have < sizeof in) {
            continue;
        }
        /* Whole groups of three now; the rest (with padding) only at the end. */
        size_t whole = r == 0 ? have : have - have % 3;
        if (emit) {
            size_t e = 0, i = 0;
            for (; i + 3 <= whole; i += 3) {
                unsigned int v = (unsigned int) in[i] << 16 | (unsigned int) in[i + 1] << 8 | in[i + 2];
                enc[e++] = B64[v >> 18];
                enc[e++] = B64[(v >> 12) & 63];
                enc[e++] = B64[(v >> 6) & 63];
                enc[e++] = B64[v & 63];
            }
            if (i < whole) {
                unsigned int v = (unsigned int) in[i] << 16 | (i + 1 < whole ? (unsigned int) in[i + 1] << 8 : 0);
                enc[e++] = B64[v >> 18];
                enc[e++] = B64[(v >> 12) & 63];
                enc[e++] = i + 1 < whole ? B64[(v >> 6) & 63] : '=';
                enc[e++] = '=';
            }
            put(enc, e);
        }
        memmove(in, in + whole, have - whole);
        have -= whole;
        if (r == 0) {
            break;
        }
    }
    close(fd);
    for (unsigned long long m = n; m != 0; m >>= 8) {
        c = (c << 8) ^ crc_table[(c >> 24) ^ (m & 0xff)];
    }
    *length = n;
    *crc = ~c;
    return 0;
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The exit status as bash's wait gives it: the code, 128+N for signal N, or 128+N for a stop by signal N. */
static int status_of(int st) {
    if (WIFSTOPPED(st)) {
        return 128 + WSTOPSIG(st);
    }
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/*
 * Waits until the command exits or stops (as bash's wait under set -m returns for a stopped job), killing
 * its process group at the deadline (-1: none). SIGCHLD is blocked in this process, so it waits for it with
 * sigtimedwait. Sets *timed_out.
 */
static int wait_for(pid_t pid, long long deadline, int *timed_out) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    *timed_out = 0;
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG | WUNTRACED);
        if (r == pid) {
            return status_of(st);
        }
        if (r < 0 && errno != EINTR) {
            _exit(1);
        }
        if (deadline < 0) {
            sigwaitinfo(&chld, NULL);
            continue;
        }
        long long left = deadline - now_ms();
        if (left <= 0) {
            /* Not reaped yet, so the group is still this command's. */
            kill(-pid, SIGKILL);
            *timed_out = 1;
            while (waitpid(pid, &st, 0) < 0) {
                if (errno != EINTR) {
                    _exit(1);
                }
            }
            return status_of(st);
        }
        struct timespec ts = { (time_t) (left / 1000), (long) (left % 1000) * 1000000L };
        sigtimedwait(&chld, NULL, &ts);
    }
}

/* Set by the child of vfork (which shares this memory) when it could not start the program. */
static volatile int start_error;
/* Whether SIGCHLD came ignored: this process needs it (to wait), the commands get it as the agent has it. */
static int chld_ignored;

/* In the child of vfork: opens PATH onto FD. */
static int open_onto(const char *path, int flags, int fd) {
    int f = open(path, flags, 0666);
    if (f < 0) {
        return -1;
    }
    if (f != fd) {
        if (dup2(f, fd) < 0) {
            return -1;
        }
        close(f);
    }
    return 0;
}

static int run(const char *in, const char *out, const char *err, const char *timeout, char *command,
               int *timed_out) {
    if (unescape(command) < 0) {
        return -1;
    }
    size_t max = strlen(command) / 3 + 2;
    char **argv = calloc(max + 1, sizeof(char *));
    if (argv == NULL || words(command, argv, (int) max) < 0) {
        free(argv);
        return -1;
    }
    char program[4096];
    if (find(argv[0], program, sizeof program) == NULL) {
        free(argv);
        return -1;
    }
    sigset_t none;
    sigemptyset(&none);
    long long deadline = -1;
    if (strcmp(timeout, "0") != 0) {
        double secs = strtod(timeout, NULL);
        deadline = now_ms() + (long long) (secs * 1000 + 0.5);
    }
    /*
     * vfork, not posix_spawn: glibc's posix_spawn leaves its two internal signals (32 and 33) ignored in the
     * command, where bash's fork leaves none. This process has no signal handlers, so the child may run on
     * this process's memory until it execs; it only sets up its process group, files and signal mask.
     */
    start_error = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        if (setpgid(0, 0) < 0 || open_onto(in, O_RDONLY, 0) < 0
                || open_onto(out, O_WRONLY | O_CREAT | O_TRUNC, 1) < 0
                || open_onto(err, O_WRONLY | O_CREAT | O_TRUNC, 2) < 0) {
            start_error = errno ? errno : EIO;
            _exit(127);
        }
        if (chld_ignored) {
            signal(SIGCHLD, SIG_IGN);
        }
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(program, argv, environ);
        start_error = errno ? errno : EIO;
        _exit(127);
    }
    free(argv);
    if (pid < 0) {
        return -1;
    }
    if (start_error != 0) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        return -1;
    }
    return wait_for(pid, deadline, timed_out);
}

/*
 * Removes the files of the commands before command K (oN, eN, iN, tN), as the agent's `rm` does every 32
 * commands where it has no agent-spawn: without a process, which under TCG costs tens of milliseconds.
 */
static void remove_older(const char *dir, long k) {
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL; ) {
        const char *n = e->d_name;
        if (strchr("oeit", n[0]) == NULL || n[0] == 0 || n[1] < '0' || n[1] > '9') {
            continue;
        }
        char *end;
        long m = strtol(n + 1, &end, 10);
        if (*end == 0 && m < k) {
            unlinkat(dirfd(d), n, 0);
        }
    }
    closedir(d);
}

/* Closes every descriptor above 3, where close_range is missing (kernels before 5.9) or refused. */
static void close_from_4(void) {
    if (syscall(SYS_close_range, 4, ~0U, 0) == 0) {
        return;
    }
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) {
        for (int fd = 4; fd < 65536; fd++) {
            close(fd);
        }
        return;
    }
    int own = dirfd(d);
    int fds[1024];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 1024; ) {
        int fd = atoi(e->d_name);
        if (fd > 3 && fd != own) {
            fds[n++] = fd;
        }
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        close(fds[i]);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: agent-spawn DIR\n");
        return 2;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) {
        return 1;
    }
    /* Only the agent's pipes (0, 1), its log (2) and its channel (3, close-on-exec): nothing of the agent's reaches a command. */
    if (fcntl(3, F_GETFD) < 0) {
        fprintf(stderr, "agent-spawn: fd 3 must be the agent's channel\n");
        return 2;
    }
    fcntl(3, F_SETFD, FD_CLOEXEC);
    close_from_4();
    struct sigaction was;
    sigaction(SIGCHLD, NULL, &was);
    chld_ignored = was.sa_handler == SIG_IGN;
    signal(SIGCHLD, SIG_DFL);
    /* SIGCHLD waits in sigtimedwait (see wait_for); each command gets an empty signal mask. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    /* bash passes its _ to the programs it starts, but not to one its exec builtin replaces it with. */
    unsetenv("_");
    answer("ready\n");
    crc_init();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] != '\n') {
            return 1;
        }
        line[n - 1] = 0;
        char *save = NULL;
        char *k = strtok_r(line, " ", &save);
        char *has_stdin = strtok_r(NULL, " ", &save);
        char *timeout = strtok_r(NULL, " ", &save);
        char *id = strtok_r(NULL, " ", &save);
        char *command = strtok_r(NULL, "", &save);
        if (k == NULL || has_stdin == NULL || timeout == NULL || id == NULL || command == NULL) {
            answer("- F - - - - 0\n");
            continue;
        }
        /* Earlier commands that stopped and have ended since. */
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        long kk = strtol(k, NULL, 10);
        if (kk % 32 == 0) {
            remove_older(argv[1], kk);
        }
        char in[4200], out[4200], err[4200];
        snprintf(in, sizeof in, "%s/i%ld", argv[1], kk);
        snprintf(out, sizeof out, "%s/o%ld", argv[1], kk);
        snprintf(err, sizeof err, "%s/e%ld", argv[1], kk);
        int timed_out = 0;
        int rc = run(strcmp(has_stdin, "1") == 0 ? in : "/dev/null", out, err, timeout, command, &timed_out);
        if (rc < 0) {
            answer("- F - - - - 0\n");
            continue;
        }
        const char *flag = timed_out ? "timeout" : "ok";
        unsigned long long ol, el;
        unsigned int oc, ec;
        char reply[200];
        /* The agent's own files: unreadable only if a command took them away; then the agent frames (and fails) as before. */
        int framed = strcmp(id, "-") != 0 && access(out, R_OK) == 0 && access(err, R_OK) == 0;
        if (framed) {
            char head[100];
            put(head, (size_t) snprintf(head, sizeof head, "@@BI-BEGIN %s\nO:", id));
            if (digest(out, 1, &ol, &oc) < 0) {
                _exit(1);
            }
            put("\nE:", 3);
            if (digest(err, 1, &el, &ec) < 0) {
                _exit(1);
            }
            char end[200];
            put(end, (size_t) snprintf(end, sizeof end, "\n@@BI-END %s %d %s %llu %u %llu %u\n", id, rc, flag, ol, oc, el, ec));
            flush_out();
        } else if (digest(out, 0, &ol, &oc) < 0 || digest(err, 0, &el, &ec) < 0) {
            snprintf(reply, sizeof reply, "%d %s - - - - 0\n", rc, flag);
            answer(reply);
            continue;
        }
        snprintf(reply, sizeof reply, "%d %s %llu %u %llu %u %d\n", rc, flag, ol, oc, el, ec, framed);
        answer(reply);
    }
    return 0;
}
