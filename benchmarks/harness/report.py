"""Markdown from a results JSON: ratios ours / best peer per cell, then every server's own numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _cells(results: dict[str, Any], scenario: str, side: str) -> list[dict[str, Any]]:
    return [r for r in results["servers"] if r["scenario"] == scenario and r.get("side") == side and "cells" in r]


def _cell(record: dict[str, Any], rows: int, concurrency: int) -> dict[str, Any] | None:
    return next((c for c in record["cells"] if c["rows"] == rows and c["concurrency"] == concurrency), None)


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "—"


def ratio_rows(results: dict[str, Any]) -> list[str]:
    lines = ["| model | rows | conc. | ours req/s | best peer | peer req/s | **req/s ours / peer** | "
             "p99 ours / peer | **CPU per req ours / peer** | peak RSS ours / peer | req/s ours / floor |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    scenarios = dict.fromkeys(r["scenario"] for r in results["servers"])
    for scenario in scenarios:
        for ours in _cells(results, scenario, "ours"):
            for cell in ours["cells"]:
                n, c = cell["rows"], cell["concurrency"]
                peers = [(p["name"], _cell(p, n, c)) for p in _cells(results, scenario, "peer")]
                peers = [(name, pc) for name, pc in peers if pc is not None]
                best_name, best = max(peers, key=lambda item: item[1]["req_per_s"], default=("—", None))
                floor = next((_cell(f, n, c) for f in _cells(results, scenario, "floor")), None)
                lines.append(
                    f"| {scenario} | {n} | {c} | {cell['req_per_s']:,.0f} | {best_name} | "
                    f"{best['req_per_s']:,.0f} | **{_ratio(cell['req_per_s'], best['req_per_s'])}** | "
                    f"{_ratio(cell['p99_ms'], best['p99_ms'])} | **{_ratio(cell['cpu_ms_per_req'], best['cpu_ms_per_req'])}** | "
                    f"{_ratio(cell['rss_peak_mib'], best['rss_peak_mib'])} | "
                    f"{_ratio(cell['req_per_s'], floor['req_per_s'] if floor else None)} |"
                    if best else
                    f"| {scenario} | {n} | {c} | {cell['req_per_s']:,.0f} | — | — | — | — | — | — | "
                    f"{_ratio(cell['req_per_s'], floor['req_per_s'] if floor else None)} |")
    return lines


def server_rows(results: dict[str, Any]) -> list[str]:
    lines = ["| model | server | cold start | image | idle RSS | notes |", "|---|---|---|---|---|---|"]
    for record in results["servers"]:
        if "cells" not in record:
            lines.append(f"| {record['scenario']} | {record.get('name', '?')} | — | — | — | **failed**: "
                         f"{' '.join(record.get('error', '').split())[:200].replace('|', '/')} |")
            continue
        image = f"{record['image_mib']:,.0f} MiB" if record.get("image_mib") else "—"
        idle = record["cells"][0]["rss_idle_mib"]
        skew = [f"{c['rows']}×c{c['concurrency']}: {c['busiest_process_cpu_share']:.0%}" for c in record["cells"]
                if c["concurrency"] > 1 and c["busiest_process_cpu_share"] > 0.8]
        notes = list(record.get("notes", []))
        if skew:
            notes.append("one process did most of the CPU work (" + ", ".join(skew) + ")")
        lines.append(f"| {record['scenario']} | {record['name']} | {record['cold_start_s']:.2f} s | {image} | "
                     f"{idle:,.0f} MiB | {'; '.join(notes)} |")
    return lines


def cell_rows(results: dict[str, Any]) -> list[str]:
    lines = ["| model | server | rows | conc. | p50 ms | p90 ms | p99 ms | req/s | rows/s | errors | "
             "peak RSS MiB | CPU ms/req | load avg |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for record in results["servers"]:
        for c in record.get("cells", []):
            cpu = f"{c['cpu_ms_per_req']:.2f}" if c["cpu_ms_per_req"] is not None else "—"
            lines.append(f"| {record['scenario']} | {record['name']} | {c['rows']} | {c['concurrency']} | "
                         f"{c['p50_ms']:.2f} | {c['p90_ms']:.2f} | {c['p99_ms']:.2f} | {c['req_per_s']:,.0f} | "
                         f"{c['rows_per_s']:,.0f} | {c['errors']} | {c['rss_peak_mib']:,.0f} | {cpu} | "
                         f"{c.get('load_avg_1m', '—')} |")
    return lines


def overhead_rows(results: dict[str, Any]) -> list[str]:
    lines = ["| model | rows | conc. | server CPU ms/req | in-process decode+predict+encode ms | "
             "**overhead ms/req** |", "|---|---|---|---|---|---|"]
    for record in results["servers"]:
        for c in record.get("cells", []):
            if c.get("overhead_ms_per_req") is not None:
                lines.append(f"| {record['scenario']} | {c['rows']} | {c['concurrency']} | {c['cpu_ms_per_req']:.3f} | "
                             f"{c['in_process_ms']:.3f} | **{c['overhead_ms_per_req']:.3f}** |")
    return lines


def write_markdown(results: dict[str, Any], path: Path, json_name: str) -> None:
    p = results["protocol"]
    lines = [
        "# Serving benchmark: ours vs MLServer, Multi Model Server and a floor", "",
        f"Measured {results['date']} at commit `{results['git_commit'][:12]}`"
        + (f" (uncommitted changes in {', '.join(results['git_dirty_files'])})" if results["git_dirty_files"] else "")
        + f"; raw numbers in [{json_name}]({json_name}). Generated by `benchmarks/run.py`"
        + (" --quick" if results["quick"] else "") + ".", "",
        f"{results['host']['cores']} cores shared by server and client; every server on "
        f"{results['host']['python']} with {p['workers']} workers on 127.0.0.1, the same model bytes, answers "
        f"checked equal to the in-process model before timing. Load: {p['client']}, {p['warmup_s']:g} s warm-up "
        f"then {p['measure_s']:g} s measured per cell. Our images run with `docker run --network host IMAGE serve` "
        "(SAGEMAKER_MODEL_SERVER_WORKERS=2); MLServer 1.7 with parallel_workers 2 (V2 JSON requests); MMS 1.1 with "
        "the sagemaker-inference 1.10 toolkit's default handler service (CSV); the floor is gunicorn (2 sync "
        "workers) + Flask + np.loadtxt + predict, CSV. CPU per request is the process tree's CPU time over the "
        "cell divided by its requests; RSS is the tree's summed RSS (peak during the cell).", "",
        "**Read CPU per request first.** The machine's 2 cores were shared with other work during the run "
        "(the load average of each cell is in the last table); that moves req/s and p99 between runs far more "
        "than it moves the CPU time a server spends per request.", "",
        "## Ratios: ours / best peer", "",
        "Best peer = the peer with the highest req/s in that cell. req/s above 1 is better for us; p99, CPU and "
        "RSS below 1 are better for us.", "",
        *ratio_rows(results), "",
        "## Serving overhead (ours)", "",
        "Server CPU per request (the container's process tree) minus the in-process CPU cost of decode + "
        "predict + encode of the same body, measured inside the same container on one thread "
        "(benchmarks/harness/inprocess.py). Target: <= 0.15 ms.", "",
        *overhead_rows(results), "",
        "## Servers", "",
        *server_rows(results), "",
        "## Every cell", "",
        *cell_rows(results), "",
    ]
    if results.get("sparkml_inprocess"):
        lines += ["## sparkml: in-process MLeap runtime vs pyspark", "",
                  "The same fitted StringIndexer → OneHotEncoder → VectorAssembler on both sides "
                  "(benchmarks/bench_sparkml.py); pyspark includes collect().", "",
                  "| input | runtime | median latency | rows/s | speed-up vs pyspark |", "|---|---|---|---|---|"]
        lines += [f"| {r['input']} | {r['runtime']} | {r['median_ms']:.4f} ms | {r['rows_per_s']:,.0f} | "
                  f"{r['speedup_vs_pyspark']:,.1f}× |" for r in results["sparkml_inprocess"]]
        lines.append("")
    suffix = "-quick" if results["quick"] else ""
    lines += [f"![throughput](serving-throughput{suffix}.png)", "", f"![latency](serving-latency{suffix}.png)", ""]
    path.write_text("\n".join(lines))
