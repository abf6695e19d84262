# bootimage console agent: runs commands sent over the guest's console, one line each:
#   <id> <timeout seconds, 0 for none> <command, printf %b-escaped> <stdin, printf %b-escaped, or ->
# and answers with a frame: @@BI-BEGIN <id>, stdout and stderr as base64 lines, @@BI-END <id> <rc> <ok|timeout>.
# Bulk data (file copies): for stdin given as #<n> the agent answers @@BI-SEND <id>, and only then do
# exactly n base64 characters follow (bash reads a terminal in blocks, so they must not arrive while it
# reads the line), read by head in big blocks. An id written b<id> asks for stdout as wrapped base64
# lines ended by @@BI-STDERR, so a big output never becomes one line.
stty raw -echo 2>/dev/null
d=${BOOTIMAGE_AGENT_DIR:-/run/bootimage}
mkdir -p "$d"
rm -f "$d/never"; mkfifo "$d/never"; exec 9<>"$d/never"
exec 2>"$d/agent.log"
set -m
printf '\n@@BI-READY %s\n' "$$"
while IFS=' ' read -r id t c i; do
  b=
  case "$id" in b[0-9]*) b=1; id=${id#b} ;; esac
  case "$id" in ''|*[!0-9]*) continue ;; esac
  printf -v c '%b' "$c"
  case "$i" in
    -) in=/dev/null ;;
    # A job of this shell reading the terminal would be stopped by SIGTTIN (the agent's stderr is no
    # terminal, so bash cannot hand the terminal over); a new session has no controlling terminal and may read it.
    '#'*) printf '@@BI-SEND %s\n' "$id"
          setsid -w sh -c 'head -c "$1" | base64 -d' sh "${i#?}" >"$d/in"; in="$d/in" ;;
    *) printf '%b' "$i" >"$d/in"; in="$d/in" ;;
  esac
  rm -f "$d/to"
  ( eval "$c" ) <"$in" >"$d/out" 2>"$d/err" &
  p=$!
  w=
  if [ "$t" != 0 ]; then
    ( read -r -t "$t" -u 9; : >"$d/to"; kill -KILL -- -"$p" ) 2>/dev/null &
    w=$!
  fi
  wait "$p"; rc=$?
  if [ -n "$w" ]; then kill "$w" 2>/dev/null; wait "$w" 2>/dev/null; fi
  f=ok; [ -e "$d/to" ] && f=timeout
  printf '@@BI-BEGIN %s\n' "$id"
  if [ -n "$b" ]; then
    [ -s "$d/out" ] && base64 -w 49152 "$d/out"
    printf '@@BI-STDERR\n'
  else
    [ -s "$d/out" ] && base64 -w0 "$d/out"
    printf '\n'
  fi
  [ -s "$d/err" ] && base64 -w0 "$d/err"
  printf '\n@@BI-END %s %s %s\n' "$id" "$rc" "$f"
done
