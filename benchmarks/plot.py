"""Plots from a benchmarks/run.py results JSON: throughput vs concurrency, latency percentiles.

Run with the plot venv (matplotlib stays out of the project venv):
    benchmarks/.work/peers/plot/bin/python benchmarks/plot.py RESULTS.json OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {"ours": "-", "peer": "--", "floor": ":"}


def main(json_path: Path, out: Path) -> None:
    results = json.loads(json_path.read_text())
    done = [r for r in results["servers"] if "cells" in r]
    scenarios = list(dict.fromkeys(r["scenario"] for r in done))
    row_counts = sorted({c["rows"] for r in done for c in r["cells"]})
    names = sorted({r["name"] for r in done})
    colours = {name: plt.get_cmap("tab10")(i) for i, name in enumerate(names)}
    suffix = "-quick" if results["quick"] else ""

    fig, axes = plt.subplots(len(row_counts), len(scenarios), figsize=(4.2 * len(scenarios), 3.6 * len(row_counts)),
                             squeeze=False)
    for i, n in enumerate(row_counts):
        for j, scenario in enumerate(scenarios):
            ax = axes[i][j]
            for record in (r for r in done if r["scenario"] == scenario):
                cells = sorted((c for c in record["cells"] if c["rows"] == n), key=lambda c: c["concurrency"])
                ax.plot([c["concurrency"] for c in cells], [c["req_per_s"] for c in cells], marker="o",
                        linestyle=STYLE[record["side"]], color=colours[record["name"]], label=record["name"])
            ax.set_title(f"{scenario}, {n} row{'s' if n > 1 else ''}/request", fontsize=10)
            ax.set_xscale("log", base=2)
            levels = sorted({c["concurrency"] for r in done for c in r["cells"]})
            ax.set_xticks(levels, [str(level) for level in levels])
            ax.minorticks_off()
            ax.set_xlabel("concurrent connections")
            ax.set_ylabel("requests/s")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
    handles = {name: h for ax in axes.flat for h, name in zip(*ax.get_legend_handles_labels(), strict=True)}
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=min(5, len(handles)), fontsize=9)
    fig.suptitle(f"Throughput ({results['date'][:10]}, commit {results['git_commit'][:8]}, 2 workers each)")
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    fig.savefig(out / f"serving-throughput{suffix}.png", dpi=90)

    top = max(c["concurrency"] for r in done for c in r["cells"])
    fig, axes = plt.subplots(len(row_counts), len(scenarios), figsize=(4.2 * len(scenarios), 3.6 * len(row_counts)),
                             squeeze=False)
    for i, n in enumerate(row_counts):
        for j, scenario in enumerate(scenarios):
            ax = axes[i][j]
            records = [r for r in done if r["scenario"] == scenario]
            width = 0.8 / max(1, len(records))
            for k, record in enumerate(records):
                cell = next((c for c in record["cells"] if c["rows"] == n and c["concurrency"] == top), None)
                if cell is None:
                    continue
                xs = [p + k * width for p in range(3)]
                ax.bar(xs, [cell["p50_ms"], cell["p90_ms"], cell["p99_ms"]], width, color=colours[record["name"]],
                       label=record["name"])
            ax.set_xticks([p + 0.4 - width / 2 for p in range(3)], ["p50", "p90", "p99"])
            ax.set_title(f"{scenario}, {n} row{'s' if n > 1 else ''}, {top} connections", fontsize=10)
            ax.set_ylabel("latency ms (log)")
            ax.set_yscale("log")
            ax.grid(alpha=0.3, axis="y")
    handles = {name: h for ax in axes.flat for h, name in zip(*ax.get_legend_handles_labels(), strict=True)}
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=min(5, len(handles)), fontsize=9)
    fig.suptitle(f"Latency percentiles at {top} connections (lower is better)")
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    fig.savefig(out / f"serving-latency{suffix}.png", dpi=90)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
