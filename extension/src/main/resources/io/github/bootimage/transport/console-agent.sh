# bootimage agent: runs a test's commands in the guest, one request line each:
#   <id> <timeout seconds, 0 for none> <command, printf %b-escaped> <stdin, printf %b-escaped, or ->
# and answers with a frame:
#   @@BI-BEGIN <id>
#   O:<stdout as base64>            (one line; or several lines for an id written b<id>, for big binary output)
#   E:<stderr as base64>
#   @@BI-END <id> <rc> <ok|timeout|badinput> <stdout bytes> <stdout cksum> <stderr bytes> <stderr cksum>
# The host checks every frame against its lengths and POSIX cksum CRCs: a frame that arrives with other
# bytes is an error, never a result.
#
# Where it runs:
#   agent.sh channel  started by the image's bootimage-agent.service on a channel nothing else in the guest
#                     writes to: the FIFOs agent.in/agent.out that systemd-nspawn binds at
#                     /run/bootimage-channel, or the virtio-serial port named io.bootimage.agent of a qemu
#                     VM. Without either (the machine uses the console fallback) it exits after 30 s.
#   agent.sh ssh      on a long-lived SSH session (SshTransport), its stdin and stdout the session's.
#   agent.sh          the console fallback: sent over the console to the autologin shell, which runs it on
#                     the terminal (raw, no echo); whatever else writes to the console can then break a
#                     frame, which the check turns into an error.
# Bulk data (file copies): for stdin given as #<base64 chars>:<bytes>:<cksum> the agent answers
# @@BI-SEND <id>, and only then do exactly that many base64 characters follow (bash reads a terminal in
# blocks, so they must not arrive while it reads the line), read by head in big blocks; the decoded bytes
# are checked before the command runs.
d=${BOOTIMAGE_AGENT_DIR:-/run/bootimage}
mkdir -p "$d"
if [ "${1:-}" = channel ]; then
  ch=${BOOTIMAGE_CHANNEL_DIR:-/run/bootimage-channel}
  n=0
  while :; do
    if [ -p "$ch/agent.in" ] && [ -p "$ch/agent.out" ]; then
      exec 0<"$ch/agent.in" 1>"$ch/agent.out"
      break
    fi
    for p in /sys/class/virtio-ports/*/name; do
      if [ -r "$p" ] && [ "$(<"$p")" = io.bootimage.agent ]; then
        v=${p%/name}
        exec 0<>"/dev/${v##*/}" 1>&0
        break 2
      fi
    done
    n=$((n + 1))
    [ "$n" -gt 300 ] && exit 0
    sleep 0.1
  done
elif [ "${1:-}" != ssh ]; then
  stty raw -echo 2>/dev/null
fi
exec 2>"$d/agent.log"
# One watchdog for every command's timeout, told on a FIFO "K SECONDS PGID" as each command starts (SECONDS
# 0: none): no process per command, and one short message, since bash reads a FIFO a byte at a time. When a
# deadline passes while the command still runs (its process group leader is alive and the agent's child: the
# agent reaps it as it exits, and the next command's message replaces it), it marks the command (t<K>) and
# kills its process group.
rm -f "$d/wd"; mkfifo "$d/wd"; exec 8<>"$d/wd"
agent=$$
(
  k=
  while :; do
    now=${EPOCHREALTIME/[.,]/}
    if [ -n "$k" ]; then
      left=$((dl - now))
      if [ "$left" -le 0 ]; then
        st=; read -r st 2>/dev/null <"/proc/$pg/stat"; st=${st##*) }; set -- $st
        if [ "${2:-}" = "$agent" ] && [ "$1" != Z ]; then
          : >"$d/t$k"; kill -KILL -- -"$pg" 2>/dev/null
        fi
        k=
        continue
      fi
      printf -v wait_for '%d.%06d' $((left / 1000000)) $((left % 1000000))
    else
      wait_for=5
      kill -0 "$agent" 2>/dev/null || exit 0
    fi
    if read -r -t "$wait_for" -u 8 kk secs pgid; then
      k=
      if [ "$secs" != 0 ]; then
        k=$kk pg=$pgid dl=$((${EPOCHREALTIME/[.,]/} + 10#${secs/./} * 1000))
      fi
    fi
  done
) </dev/null >/dev/null &
set -m
# On its channel or an SSH session, a plain argument list (the host's `exec 'ARG'...`) starts from
# agent-spawn, which the image carries (see extension/src/main/c/agent-spawn.c): vfork and execve instead of a
# fork of this shell, and the frame written by it, with no fork of cksum and base64. It answers "- F" for
# any other command, and the agent then runs it itself; so does the agent after the host's "nospawn" line
# (bootimage.agent.spawn=false). Should agent-spawn die mid-command, the agent stops: whether that command
# ran is unknown, so the host must get an error, not a result.
sp= owe= spawn=${BOOTIMAGE_AGENT_SPAWN:-/usr/lib/bootimage/agent-spawn}
if { [ "${1:-}" = channel ] || [ "${1:-}" = ssh ]; } && [ -x "$spawn" ]; then
  exec 9>&1
  coproc SPAWN { exec "$spawn" "$d" 3>&9 9>&- 8<&-; }
  exec 9>&-
  if read -r -t 10 -u "${SPAWN[0]}" hello && [ "$hello" = ready ]; then
    sp=1 spr=${SPAWN[0]} spw=${SPAWN[1]} spid=$SPAWN_PID
  else
    echo "agent-spawn did not start: commands fork this shell" >&2
  fi
fi
printf '\n@@BI-READY %s\n' "$$"
k=0
while IFS=' ' read -r id t c i; do
  b=
  case "$id" in
    b[0-9]*) b=1; id=${id#b} ;;
    nospawn) [ -n "$sp" ] && exec {spw}>&-; sp=; continue ;;
  esac
  case "$id" in ''|*[!0-9]*) continue ;; esac
  # Every command has files of its own: a child it leaves running keeps writing into its own (deleted) files,
  # never into a later command's output. Older commands' files go 32 at a time, in one process, or without
  # one by agent-spawn as it gets command 32, 64... (owe: until it has it; if it never does, the agent
  # removes them before the next command).
  if [ -n "$owe" ]; then rm -f -- "$d"/[oeit][0-9]*; owe=; fi
  if [ $((k % 32)) = 31 ]; then
    if [ -n "$sp" ]; then owe=1; else rm -f -- "$d"/[oeit][0-9]*; fi
  fi
  k=$((k + 1))
  o=$d/o$k e=$d/e$k
  f=ok
  case "$i" in
    -) in=/dev/null hin=0 ;;
    # A job of this shell reading the terminal would be stopped by SIGTTIN (the agent's stderr is no
    # terminal, so bash cannot hand the terminal over); a new session has no controlling terminal and may read it.
    '#'*) printf '@@BI-SEND %s\n' "$id"
          IFS=: read -r n nb ns <<<"${i#?}"
          setsid -w sh -c 'head -c "$1" | base64 -d' sh "$n" >"$d/i$k"; in=$d/i$k hin=1
          set -- $(cksum <"$in")
          [ "$1 $2" = "$ns $nb" ] || f=badinput ;;
    *) printf '%b' "$i" >"$d/i$k"; in=$d/i$k hin=1 ;;
  esac
  rc=0 how=F oc=-
  if [ -n "$sp" ] && ! kill -0 "$spid" 2>/dev/null; then
    # Gone between commands (killed by a test, say): this command was not sent, so the agent runs it.
    echo "agent-spawn is gone: commands fork this shell" >&2
    sp=
  fi
  if [ "$f" = ok ] && [ -n "$sp" ]; then
    fid=$id; [ -n "$b" ] && fid=-
    if ! printf '%s %s %s %s %s\n' "$k" "$hin" "$t" "$fid" "$c" 2>/dev/null >&"$spw"; then
      echo "agent-spawn is gone: commands fork this shell" >&2
      sp=
    else
      owe=
      if ! read -r -u "$spr" rc how ol oc el ec fr; then
        echo "agent-spawn ended while command $k ran: stopping" >&2
        exit 1
      fi
      [ "$fr" = 1 ] && continue
      [ "$how" = timeout ] && f=timeout
    fi
  fi
  if [ "$f" = ok ] && [ "$how" = F ]; then
    printf -v c '%b' "$c"
    # hash -r: the program is looked up on PATH now, as agent-spawn does, not where this shell found it before.
    ( hash -r; eval "$c" ) <"$in" >"$o" 2>"$e" 8<&- &
    p=$!
    printf '%s %s %s\n' "$k" "$t" "$p" >&8
    wait "$p"; rc=$?
    [ -e "$d/t$k" ] && f=timeout
  elif [ "$f" = badinput ]; then
    : >"$o"; : >"$e"
  fi
  if [ "$oc" != - ]; then
    set -- "$oc" "$ol" - "$ec" "$el" -
  elif [ -s "$o" ] || [ -s "$e" ]; then
    set -- $(cksum "$o" "$e")
  else
    set -- 4294967295 0 - 4294967295 0 -
  fi
  if [ -n "$b" ]; then
    printf '@@BI-BEGIN %s\n' "$id"
    [ -s "$o" ] && base64 -w 49152 "$o" | sed 's/^/O:/'
    printf 'E:'; [ -s "$e" ] && base64 -w0 "$e"
    printf '\n@@BI-END %s %s %s %s %s %s %s\n' "$id" "$rc" "$f" "$2" "$1" "$5" "$4"
  elif [ "$2" -gt 65536 ] || [ "$5" -gt 65536 ]; then
    # Big output goes from base64 straight to the channel: taken into a variable first, bash would read it
    # in small pieces and copy it twice more (about 0.3 s a megabyte in a TCG guest).
    printf '@@BI-BEGIN %s\nO:' "$id"; [ "$2" != 0 ] && base64 -w0 "$o"
    printf '\nE:'; [ "$5" != 0 ] && base64 -w0 "$e"
    printf '\n@@BI-END %s %s %s %s %s %s %s\n' "$id" "$rc" "$f" "$2" "$1" "$5" "$4"
  else
    # Small output: the whole frame in one write.
    so= se=
    [ "$2" != 0 ] && so=$(base64 -w0 "$o")
    [ "$5" != 0 ] && se=$(base64 -w0 "$e")
    printf '@@BI-BEGIN %s\nO:%s\nE:%s\n@@BI-END %s %s %s %s %s %s %s\n' "$id" "$so" "$se" "$id" "$rc" "$f" "$2" "$1" "$5" "$4"
  fi
done
