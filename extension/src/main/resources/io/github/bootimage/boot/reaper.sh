# bootimage reaper: one per JVM, in its own session. It waits until the JVM that started it is gone
# (its stdin, a pipe from the JVM, reaches end of file however the JVM ended, SIGKILL included), then
# stops every guest that JVM left registered in DIR:
#   <machine>.reap lines: "halt PID START" (asked to stop cleanly: SIGTERM), "kill PID START" (SIGKILL
#   after the grace period), "dir PATH" (removed at the end). START is the process's start time
#   (field 22 of /proc/PID/stat), so a reused PID is never signalled. "netns NAME": a network namespace
#   bootimage made (ip netns delete, after the processes are gone).
dir=$1
PATH=$PATH:/usr/sbin:/sbin
grace=${2:-5}
cat >/dev/null
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)" = "$2" ]; }
for f in "$dir"/*.reap; do
  [ -e "$f" ] || continue
  while read -r kind pid start; do
    [ "$kind" = halt ] && alive "$pid" "$start" && kill -TERM "$pid" 2>/dev/null
  done <"$f"
done
# The grace period is measured on the clock, not in rounds: on a loaded host each round's forks take
# far longer than its 0.1 s sleep.
end=$(( $(date +%s) + grace ))
while [ "$(date +%s)" -lt "$end" ]; do
  left=0
  for f in "$dir"/*.reap; do
    [ -e "$f" ] || continue
    while read -r kind pid start; do
      [ "$kind" = halt ] && alive "$pid" "$start" && left=1
    done <"$f"
  done
  [ "$left" = 0 ] && break
  sleep 0.1
done
for f in "$dir"/*.reap; do
  [ -e "$f" ] || continue
  while read -r kind pid start; do
    case "$kind" in halt|kill) alive "$pid" "$start" && kill -KILL "$pid" 2>/dev/null ;; esac
  done <"$f"
  while read -r kind path; do
    case "$kind" in
      dir) rm -rf --one-file-system "$path" ;;
      netns) ip netns delete "$path" 2>/dev/null ;;
    esac
  done <"$f"
  echo "reaped $(basename "$f" .reap)"
  rm -f "$f"
done
rmdir "$dir" 2>/dev/null
exit 0
