#!/usr/bin/env bash
# Runs every fuzz target for a while, each from a corpus seeded from the fixtures, and prints
# its figures. `fuzz/run.sh 300` (optimised; about 8 minutes to build on 2 cores) is the run
# whose figures are in the README; .ci/run does `fuzz/run.sh 10 --dev` (unoptimised: about 3
# minutes to build, slower to run, small photo seeds only). A crash stops the script with the input saved under
# fuzz/artifacts/<target>/ (replay it: cargo fuzz run <target> <file>).
#
#   fuzz/run.sh [SECONDS per target, default 60] [--dev]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
mode=()
[ "${2:-}" = "--dev" ] && mode=(--dev)
# cargo-fuzz needs nightly features: the stable toolchain allows them with this. No sanitizer
# (-s none): libFuzzer's coverage guidance and its abort on any panic are what is used here.
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2

# ---- seeds ------------------------------------------------------------------------------
corpus=corpus
mkdir -p "$corpus"/{webhook,flows,photo,api_json}
cp ../fixtures/wa/*.json "$corpus/webhook/"
i=0
for file in $(cd ../flows && find . -name '*.toml' | sed 's|^\./||' | LC_ALL=C sort); do
  # The first byte picks the file the rest replaces (the flows' names in sorted order).
  { printf "\\$(printf '%03o' "$i")"; cat "../flows/$file"; } >"$corpus/flows/$(echo "$file" | tr / _)"
  i=$((i + 1))
done
n=0
# Unoptimised (--dev, CI's short run) a photo check takes seconds: only the small seeds then.
largest=65536
[ ${#mode[@]} -gt 0 ] && largest=4096
for photo in ../fixtures/photos/*; do
  size=$(stat -c %s "$photo")
  [ "$size" -le "$largest" ] || continue
  for kind in 0 3; do
    { printf "\\$(printf '%03o' "$kind")"; cat "$photo"; } >"$corpus/photo/$n-$kind-$(basename "$photo")"
  done
  n=$((n + 1))
done
seed() { printf "\\$(printf '%03o' "$1")%s" "$2" >"$corpus/api_json/$3"; }
seed 0 '{"action":"hand_over","code":"123456","id":"budi-0001-serah"}' step_hand_over
seed 0 '{"action":"failed","reason":"other","note":"rumah kosong"}' step_failed
seed 1 '{"text":"Kantor tutup Senin.","filter":{"status":"disetujui","kecamatan":"63.71.05"}}' notice
seed 2 '{"phone":"0812-3456-7890","confirm":true}' subject_phone
seed 2 '{"nik":"6371051203190001"}' subject_nik
seed 3 '{"service":"kia","answers":{"request_kind":"baru","child_nik":"6371 0512 0319 0001","child_name":"Ahmad Fauzi","kk_number":"6371050101150007","delivery":"courier","address_street":"Jl. Pramuka","address_rt_rw":"5/2"},"phone":"081234567890","consent":true,"photos":[{"kind":"kartu_keluarga","data":"/9j/4AAQ"}]}' walk_in

# ---- runs -------------------------------------------------------------------------------
cargo fuzz build -s none "${mode[@]}" >/dev/null
status=0
for target in webhook flows photo api_json; do
  log=$(mktemp)
  if cargo fuzz run -s none "${mode[@]}" "$target" "$corpus/$target" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$log" 2>&1; then
    verdict="no crash"
  else
    verdict="CRASH (see fuzz/artifacts/$target/)"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  printf '%-9s %6ss %10s runs %8s/s  %-10s %s\n' "$target" "$seconds" "${runs:-?}" "${speed:-?}" "${cov:-}" "$verdict"
  [ "$verdict" = "no crash" ] || tail -40 "$log"
  rm -f "$log"
done
exit $status
