#!/usr/bin/env bash
# A bags CSV of ROWS rows: mustard parents (SB, 30 children) and moong parents (M444,
# 15) alternating, parents numbered from START with DIGITS digits, their children
# K<parent number><2 digits>. Usage: scripts/bench/bags-csv.sh ROWS [DIGITS] [START]
set -euo pipefail
awk -v n="$1" -v d="${2:-5}" -v start="${3:-0}" 'BEGIN {
  print "qr_id,role,parent_qr_id"
  for (i = 0; i < n; p++) {
    no = start + int(p / 2)
    parent = (p % 2 == 0) ? sprintf("SB%0" d "d", no) : sprintf("M444-%0" d "d", no)
    print parent ",parent,"; i++
    for (k = 1; k <= (p % 2 == 0 ? 30 : 15) && i < n; k++) { printf "K%s%0" d "d%02d,child,%s\n", (p % 2 == 0 ? "S" : "M"), no, k, parent; i++ }
  }
}'
