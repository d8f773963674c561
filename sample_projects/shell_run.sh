#!/usr/bin/env bash
# Log a run with nothing but bash and printf, following docs/run-format.md v1.
# Usage: shell_run.sh ROOT [NAME] [STEPS]   (ROOT: the runs root, e.g. "$WORKBENCH_RUNS")
set -euo pipefail

root=${1:?usage: shell_run.sh ROOT [NAME] [STEPS]}
name=${2:-bash-run}
steps=${3:-20}
case $steps in ''|*[!0-9]*) echo "STEPS must be a whole number" >&2; exit 2 ;; esac

id="sh$(date +%s%N)$$"
dir="$root/shell/$id"
mkdir -p "$dir/artifacts"

now() { date -u +%Y-%m-%dT%H:%M:%S.%6NZ; }
# JSON-escape a string: backslash, double quote and control characters.
json_str() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
  printf '"%s"' "$s"
}
# Rewrite run.json atomically: write a temp file in the same folder, then rename it.
write_run_json() {  # status ended_at(JSON) heartbeat
  printf '{"format_version":1,"id":"%s","project":"shell","name":%s,"status":"%s","started_at":"%s","ended_at":%s,"heartbeat_at":"%s","host":%s,"user":%s,"pid":%d,"command":[%s],"cwd":%s}\n' \
    "$id" "$(json_str "$name")" "$1" "$started" "$2" "$3" "$(json_str "$(hostname)")" \
    "$(json_str "${USER:-$(id -un)}")" "$$" "$(json_str "$0")" "$(json_str "$PWD")" \
    > "$dir/.run.json.tmp"
  mv -f "$dir/.run.json.tmp" "$dir/run.json"
}

started=$(now)
status=failed
finish() { local t; t=$(now); write_run_json "$status" "\"$t\"" "$t"; }
trap finish EXIT
trap 'status=killed; exit 130' INT TERM
write_run_json running null "$started"

printf '{"lr":0.1,"optimizer":"sgd","steps":%d,"shell":%s}\n' "$steps" "$(json_str "$BASH_VERSION")" \
  > "$dir/.params.json.tmp" && mv -f "$dir/.params.json.tmp" "$dir/params.json"
printf '{"language":"bash"}\n' > "$dir/.tags.json.tmp" && mv -f "$dir/.tags.json.tmp" "$dir/tags.json"

loss=1000000  # loss in millionths, integer arithmetic only
for ((step = 0; step < steps; step++)); do
  loss=$((loss * 9 / 10))
  printf '{"key":"loss","value":%d.%06d,"step":%d,"timestamp":%s}\n' \
    $((loss / 1000000)) $((loss % 1000000)) "$step" "$(date +%s.%N)" >> "$dir/metrics.jsonl"
  if ((step % 5 == 4)); then
    write_run_json running null "$(now)"   # heartbeat
  fi
done
printf 'final loss: %d.%06d\n' $((loss / 1000000)) $((loss % 1000000)) > "$dir/artifacts/summary.txt"
printf 'Logged from bash with printf only.\n' > "$dir/notes.md"
status=finished
echo "$dir"
