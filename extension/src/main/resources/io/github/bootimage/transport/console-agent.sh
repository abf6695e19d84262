# bootimage console agent: runs commands sent over the guest's console, one line each:
#   <id> <timeout seconds, 0 for none> <command, printf %b-escaped> <stdin, printf %b-escaped, or ->
# and answers with a frame: @@BI-BEGIN <id>, stdout and stderr as base64 lines, @@BI-END <id> <rc> <ok|timeout>.
stty raw -echo 2>/dev/null
d=${BOOTIMAGE_AGENT_DIR:-/run/bootimage}
mkdir -p "$d"
rm -f "$d/never"; mkfifo "$d/never"; exec 9<>"$d/never"
exec 2>"$d/agent.log"
set -m
printf '\n@@BI-READY %s\n' "$$"
while IFS=' ' read -r id t c i; do
  case "$id" in ''|*[!0-9]*) continue ;; esac
  printf -v c '%b' "$c"
  if [ "$i" = - ]; then in=/dev/null; else printf '%b' "$i" >"$d/in"; in="$d/in"; fi
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
  [ -s "$d/out" ] && base64 -w0 "$d/out"
  printf '\n'
  [ -s "$d/err" ] && base64 -w0 "$d/err"
  printf '\n@@BI-END %s %s %s\n' "$id" "$rc" "$f"
done
