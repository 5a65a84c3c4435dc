# Helpers of scripts/gpu-check.sh (sourced): each step runs under its own `timeout`, its output streams
# to the terminal and to $out/<step>.log as it happens, and after every step the results so far are
# written as JSON ($out/steps.jsonl, one line per step, and $out/summary.json), so a run that dies
# halfway keeps everything up to the step in flight.

gc_now() { date +%s; }

# gc_record NAME STATUS RC SECONDS [NOTE]
gc_record() {
  local note=${5:-}
  note=${note//\\/\\\\}; note=${note//\"/\\\"}
  printf '{"name":"%s","status":"%s","rc":%d,"seconds":%d,"note":"%s"}\n' "$1" "$2" "$3" "$4" "$note" >> "$out/steps.jsonl"
  { printf '{"startedAt":"%s","budgetSeconds":%d,"steps":[' "$gc_started_at" "$gc_budget"
    paste -sd, "$out/steps.jsonl" | tr -d "\n"
    printf ']}\n'; } > "$out/summary.json.tmp" && mv "$out/summary.json.tmp" "$out/summary.json"
  echo "==== $1: $2 (rc $3, $4 s)${5:+ - $5}"
}

# gc_step NAME CAP_SECONDS COMMAND...: runs COMMAND (a bash string) with timeout min(CAP, time left).
gc_step() {
  local name=$1 cap=$2; shift 2
  local left=$(( gc_deadline - $(gc_now) ))
  local t=$(( cap < left ? cap : left ))
  if [ "$t" -lt 10 ]; then gc_record "$name" skipped 0 0 "no time left in the ${gc_budget} s budget"; gc_fail=1; return 1; fi
  echo; echo "==== $name (timeout ${t} s): $*"
  local t0; t0=$(gc_now)
  timeout -k 5 "$t" bash -c "$*" 2>&1 | tee "$out/$name.log"
  local rc=${PIPESTATUS[0]}
  local dt=$(( $(gc_now) - t0 ))
  if [ "$rc" -eq 0 ]; then gc_record "$name" pass 0 "$dt"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then gc_record "$name" timeout "$rc" "$dt" "killed after ${t} s"; gc_fail=1
  else gc_record "$name" fail "$rc" "$dt" "$(grep -m1 -E '^(FAIL|Error|error)' "$out/$name.log" | cut -c1-200)"; gc_fail=1
  fi
  return "$rc"
}
