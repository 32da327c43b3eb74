"""The table and chart of scripts/bench.sh: reads its results (tab-separated RESULT
lines of the load generator, the import's line and the pgbench lines), prints a
markdown table and, unless told not to, writes it with a latency chart into
docs/benchmarks.md (between the bench:begin/end markers) and docs/bench-latency.svg.

Usage: report.py RESULTS RSS_IDLE_MB RSS_PEAK_MB BAGS WRITE_DOCS(0|1)"""
import datetime
import re
import sys

results, rss_idle, rss_peak, bags, write = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
rows, pgbench = [], {}
for line in open(results):
    f = line.rstrip("\n").split("\t")
    if f[0] == "pgbench":
        pgbench[(f[1], f[2])] = float(f[3] or 0)
    else:
        rows.append(f)


def ms(v):
    return f"{float(v):.1f}" if v else "–"


lines = [
    f"{bags:,} bags seeded (`tracetrack seed`), release build, Redis on, `POOL_SIZE=8`, "
    "load generator and PostgreSQL on the same 2 cores.",
    "",
    "| scenario | clients | req/s | p50 ms | p95 ms | p99 ms | errors | vs pgbench |",
    "|---|---|---|---|---|---|---|---|",
]
for name, clients, n, rps, p50, p95, p99, errors in rows:
    ratio = ""
    tps = pgbench.get((name, clients))
    if tps:
        ratio = f"{float(rps) / tps:.2f} × {tps:,.0f} tx/s"
    lines.append(f"| {name} | {clients} | {float(rps):,.0f} | {ms(p50)} | {ms(p95)} | {ms(p99)} | {errors} | {ratio} |")
lines.append(f"| server RSS idle / at its highest | | | | | | | {rss_idle} MB / {rss_peak} MB |")
table = "\n".join(lines)
print(table)
if not write:
    sys.exit(0)

# Latency against clients: p50 (solid) and p99 (dashed) of scans and lookups.
series = {}
for name, clients, n, rps, p50, p95, p99, errors in rows:
    if name in ("child scan", "bag lookup"):
        series.setdefault(name, []).append((int(clients), float(p50), float(p99)))
W, H, L, B, T, R = 640, 360, 60, 40, 30, 150
xs = sorted({c for s in series.values() for c, _, _ in s})
top = max([p99 for s in series.values() for _, _, p99 in s] + [1.0]) * 1.1
x = lambda c: L + (W - L - R) * xs.index(c) / max(len(xs) - 1, 1)
y = lambda v: H - B - (H - B - T) * v / top
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="18" font-size="14">Latency against clients ({bags:,} bags)</text>',
       f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
       f'<text x="{(L + W - R) / 2}" y="{H - 8}" text-anchor="middle">clients</text>',
       f'<text x="14" y="{(T + H - B) / 2}" transform="rotate(-90 14 {(T + H - B) / 2})" text-anchor="middle">ms</text>']
for c in xs:
    svg.append(f'<text x="{x(c)}" y="{H - B + 16}" text-anchor="middle">{c}</text>')
for i in range(5):
    v = top * i / 4
    svg.append(f'<text x="{L - 6}" y="{y(v) + 4}" text-anchor="end">{v:.0f}</text>')
    svg.append(f'<line x1="{L}" y1="{y(v)}" x2="{W - R}" y2="{y(v)}" stroke="#ddd"/>')
colors = {"child scan": "#c0392b", "bag lookup": "#2471a3"}
for k, (name, pts) in enumerate(sorted(series.items())):
    pts.sort()
    for idx, dash, label in ((1, "", "p50"), (2, ' stroke-dasharray="6 4"', "p99")):
        path = " ".join(f"{x(p[0]):.1f},{y(p[idx]):.1f}" for p in pts)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{colors[name]}" stroke-width="2"{dash}/>')
        ly = T + 10 + (k * 2 + idx - 1) * 18
        svg.append(f'<line x1="{W - R + 10}" y1="{ly}" x2="{W - R + 34}" y2="{ly}" stroke="{colors[name]}" stroke-width="2"{dash}/>')
        svg.append(f'<text x="{W - R + 40}" y="{ly + 4}">{name} {label}</text>')
svg.append("</svg>")
open("docs/bench-latency.svg", "w").write("\n".join(svg) + "\n")

doc = open("docs/benchmarks.md").read()
section = (f"<!-- bench:begin -->\n## Benchmark of record ({datetime.date.today()}, `scripts/bench.sh`)\n\n{table}\n\n"
           "![latency against clients](bench-latency.svg)\n<!-- bench:end -->")
if "<!-- bench:begin -->" in doc:
    doc = re.sub(r"<!-- bench:begin -->.*?<!-- bench:end -->", lambda _: section, doc, flags=re.S)
else:
    first = doc.index("\n## ")
    doc = doc[:first] + "\n" + section + "\n" + doc[first:]
open("docs/benchmarks.md", "w").write(doc)
