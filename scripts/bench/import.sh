#!/usr/bin/env bash
# Uploads a bags file as an import and waits for its end; prints the job's status,
# applied and refused rows, and the seconds from upload to end.
# Usage: scripts/bench/import.sh BASE_URL TOKEN FILE MODE
set -euo pipefail
base=$1 token=$2 file=$3 mode=$4
start=$(date +%s.%N)
id=$(curl -sf "$base/api/v1/imports" -H "authorization: Bearer $token" -F "file=@$file" -F "mode=$mode" \
  | sed -E 's/.*"id":([0-9]+).*/\1/')
while :; do
  body=$(curl -sf "$base/api/v1/imports/$id" -H "authorization: Bearer $token")
  case "$body" in *'"finished_at":null'*) sleep 0.1 ;; *) break ;; esac
done
end=$(date +%s.%N)
echo "$(sed -E 's/.*"status":"([a-z_]+)".*/\1/' <<<"$body") $(grep -o '"applied_rows":[0-9]*' <<<"$body" | cut -d: -f2) \
$(grep -o '"error_rows":[0-9]*' <<<"$body" | cut -d: -f2) $(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", e - s}')"
