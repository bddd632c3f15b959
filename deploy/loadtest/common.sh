# Shared by run.sh, replicas.sh and partition.sh (sourced, not run).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# field KEY FILE: the value of a "key value" line (veu-loadgen's figures, the store check's counts).
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# tally_run DIR LOADGEN_RC CHECK_RC: reads DIR/loadgen.out and DIR/check.out and sets acked,
# enrol_failures, lost, duplicated, consistent and errors. errors counts failed streams,
# enrolment failures, duplicated appraisals, an inconsistent log, a load generator that failed
# before counting and a check that could not run; lost counts every acknowledged appraisal when
# the check said nothing.
tally_run() {
  local dir=$1 loadgen_rc=$2 check_rc=$3
  acked=$(field acknowledged "$dir/loadgen.out"); acked=${acked:-0}
  errors=$(field errors "$dir/loadgen.out"); errors=${errors:-0}
  enrol_failures=$(field enrol_failures "$dir/loadgen.out"); enrol_failures=${enrol_failures:-0}
  lost=$(field lost "$dir/check.out"); lost=${lost:-$acked}
  duplicated=$(field duplicated "$dir/check.out"); duplicated=${duplicated:-0}
  consistent=$(field log_consistent "$dir/check.out")
  errors=$(( errors + enrol_failures + duplicated ))
  [[ $consistent == yes ]] || errors=$(( errors + 1 ))
  if [[ $loadgen_rc -ne 0 && $errors -eq 0 ]]; then errors=1; fi  # it failed before counting
  if [[ $check_rc -gt 1 ]]; then errors=$(( errors + 1 )); fi
  return 0
}
