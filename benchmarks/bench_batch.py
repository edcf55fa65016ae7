"""Local Batch Transform throughput through the car pipeline (sparkml → xgboost → sparkml).

    .venv/bin/python benchmarks/bench_batch.py --work DIR [--rows 200000] [--payload-mb 1] [--concurrency 4]

``--work`` holds the car example's trained artifacts (``train.py --work DIR``). Measures, on one
generated input of ``--rows`` car rows, in one run:

1. the engine alone (split, mini-batch, assemble) against an in-process echo model;
2. each container's ``runtime.invoke`` in-process on the same mini-batches (CPU seconds: the
   hop's own cost, without HTTP; ``--profile NAME`` prints its cProfile);
3. each container alone over HTTP (the ``serve`` entrypoint, one worker, batch env), one
   MaxPayloadInMB mini-batch after another: rows/s of the hop itself;
4. the whole local transform (``run_local_transform``, processes): rows/s end to end.

Prints a Markdown table; only 127.0.0.1, bounded by ``--rows``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference_pipeline.pipeline.batch import InvokeResult, TransformConfig, run_transform  # noqa: E402
from inference_pipeline.pipeline.batch.splitting import plan_batches, split_lines  # noqa: E402
from inference_pipeline.pipeline.local_transform import run_local_transform  # noqa: E402
from inference_pipeline.spec.model import load_spec  # noqa: E402
from tests.support.server import serve  # noqa: E402

VALUES = [["vhigh", "high", "med", "low"], ["vhigh", "high", "med", "low"], ["2", "3", "4", "5more"],
          ["2", "4", "more"], ["small", "med", "big"], ["low", "med", "high"]]
EXAMPLE = ROOT / "examples" / "sparkml-xgboost-car-evaluation"


def car_rows(count: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    return ("\n".join(",".join(rng.choice(v) for v in VALUES) for _ in range(count)) + "\n").encode()


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}"


def bench_engine(data: Path, out: Path, config: TransformConfig) -> float:
    def echo(body: bytes, content_type: str, accept: str) -> InvokeResult:
        return InvokeResult(200, body, "text/csv")
    started = time.perf_counter()
    report = run_transform(data, out, config, echo)
    assert report.succeeded
    return time.perf_counter() - started


HOPS = (("features", "sparkml"), ("xgboost", "xgboost"), ("postprocess", "sparkml"))


def model_dir(work: Path, name: str) -> Path:
    extracted = work / "extracted" / name
    if not extracted.is_dir():
        from inference_pipeline.archives import extract_artifact
        extract_artifact(work / name / "model.tar.gz", extracted)
    return extracted


def in_process(work: Path, body: bytes, config: TransformConfig, spec_env: dict[str, dict[str, str]],
               profile: str | None) -> tuple[list[tuple[str, float, float]], bytes]:
    """Each hop's ``runtime.invoke`` on the mini-batches, in this process: (name, CPU s, wall s),
    and the last hop's answers joined."""
    import cProfile
    import os
    import pstats

    from inference_pipeline.runtimes.sparkml.runtime import SparkMLRuntime
    from inference_pipeline.runtimes.xgboost.runtime import XGBoostRuntime
    from inference_pipeline.serving.media import MediaType
    from inference_pipeline.serving.runtime import InferenceRequest
    from inference_pipeline.serving.settings import load_settings

    csv_type = MediaType.parse("text/csv")
    batches = [b.payload for b in plan_batches(split_lines(body), config)]
    results = []
    for name, kind in HOPS:
        env = {"SAGEMAKER_BATCH": "true", **spec_env.get(name, {})}
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        try:
            runtime = (SparkMLRuntime if kind == "sparkml" else XGBoostRuntime)(load_settings())
            runtime.load(model_dir(work, name))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        requests_ = [InferenceRequest(payload, csv_type, csv_type, "text/csv") for payload in batches]
        runtime.invoke(requests_[0])  # warm-up (lazy imports, caches)
        profiler = cProfile.Profile() if profile == name else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        outputs = [runtime.invoke(request).body for request in requests_]
        if profiler is not None:
            profiler.disable()
        results.append((name, time.process_time() - cpu, time.perf_counter() - wall))
        if profiler is not None:
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        batches = [out if out.endswith(b"\n") else out + b"\n" for out in outputs]
    return results, b"".join(batches)


def hop_bodies(work: Path, body: bytes, config: TransformConfig, spec_env: dict[str, dict[str, str]]
               ) -> tuple[list[tuple[str, float, int, int, float]], bytes]:
    """Each container alone: (name, seconds for all mini-batches, requests, largest request,
    median seconds of a one-row request), and the last hop's answers joined."""
    batches = [b.payload for b in plan_batches(split_lines(body), config)]
    results = []
    # 100, not MaxPayloadInMB: a hop's answer is the next hop's request and grows (car rows of
    # ~25 bytes become 15 features of ~60), so later hops get bodies larger than the job's limit.
    env = {"SAGEMAKER_BATCH": "true", "SAGEMAKER_MAX_PAYLOAD_IN_MB": "100"}
    for name, runtime in HOPS:
        with serve(runtime, model_dir(work, name), env={**env, **spec_env.get(name, {})}, tmp_path=work) as server:
            session = requests.Session()
            headers = {"Content-Type": "text/csv", "Accept": "text/csv"}
            one_row = batches[0].split(b"\n", 1)[0] + b"\n"
            latencies = []
            for _ in range(50):  # per-request cost: a one-row request, after a warm-up
                tick = time.perf_counter()
                session.post(f"{server.url}/invocations", data=one_row, headers=headers, timeout=60).raise_for_status()
                latencies.append(time.perf_counter() - tick)
            per_request = sorted(latencies[10:])[len(latencies[10:]) // 2]
            started = time.perf_counter()
            outputs = []
            for payload in batches:
                answer = session.post(f"{server.url}/invocations", data=payload, headers=headers, timeout=600)
                answer.raise_for_status()
                outputs.append(answer.content if answer.content.endswith(b"\n") else answer.content + b"\n")
            results.append((name, time.perf_counter() - started, len(batches), max(map(len, batches)), per_request))
        batches = outputs  # the next hop gets this hop's answers, as in the pipeline
    return results, b"".join(batches)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=200_000)
    # ≤ 2 for this pipeline: each hop's answer is the next one's request and grows 2.4× (batch.md).
    parser.add_argument("--payload-mb", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--skip-pipeline", action="store_true")
    parser.add_argument("--profile", choices=[name for name, _ in HOPS], help="cProfile this hop in-process")
    args = parser.parse_args()
    work = args.work.resolve()
    body = car_rows(args.rows)
    data = work / "bench-in" / "cars.csv"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_bytes(body)
    config = TransformConfig(content_type="text/csv", accept="text/csv", split_type="Line",  # type: ignore[arg-type]
                             batch_strategy="MultiRecord", assemble_with="Line",  # type: ignore[arg-type]
                             max_payload_mb=args.payload_mb, max_concurrent_transforms=args.concurrency)
    print(f"{args.rows:,} car rows, {len(body) / 1e6:.1f} MB, MaxPayloadInMB={args.payload_mb}, "
          f"MaxConcurrentTransforms={args.concurrency}\n")
    print("| stage | seconds | rows/s |\n| --- | ---: | ---: |")
    seconds = bench_engine(data, work / "bench-engine-out", config)
    print(f"| engine alone (split, batch, assemble; echo model) | {seconds:.2f} | {rate(args.rows, seconds)} |")
    spec_doc = yaml.safe_load((EXAMPLE / "pipeline.yaml").read_text())
    spec_env = {c["name"]: c.get("environment", {}) for c in spec_doc["containers"]}
    timings, expected = in_process(work, body, config, spec_env, args.profile)
    for name, cpu, wall in timings:
        print(f"| {name}: runtime.invoke in-process, same mini-batches ({cpu:.2f} s CPU) | {wall:.2f} | "
              f"{rate(args.rows, wall)} |")
    hops, over_http = hop_bodies(work, body, config, spec_env)
    answers = {"the hops over HTTP": over_http}
    for name, seconds, requests_, largest, per_request in hops:
        print(f"| {name} alone, {requests_} sequential requests of up to {largest / 2**20:.1f} MiB, 1 worker "
              f"(one-row request: {per_request * 1000:.1f} ms) | {seconds:.2f} | {rate(args.rows, seconds)} |")
    if not args.skip_pipeline:
        spec_doc["transform"].update({"max_payload_in_mb": args.payload_mb,
                                      "max_concurrent_transforms": args.concurrency})
        for container in spec_doc["containers"]:
            container["model"] = str(work / container["name"] / "model.tar.gz")
        spec_path = work / "bench-pipeline.yaml"
        spec_path.write_text(yaml.safe_dump(spec_doc))
        from tests.support.net import held_port
        started = time.perf_counter()
        with held_port() as port:
            report = run_local_transform(load_spec(spec_path), data, work / "bench-out", docker=False,
                                         port=port, state_dir=work / "bench-state")
        total = time.perf_counter() - started
        if not report.succeeded:
            print(f"| whole pipeline | failed: {report.failures[0].describe()[:200]} | |")
        else:
            print(f"| whole pipeline, transform only ({report.requests} requests) | {report.seconds:.2f} | "
                  f"{rate(report.records, report.seconds)} |")
            print(f"| whole pipeline incl. start/stop | {total:.2f} | {rate(report.records, total)} |")
            answers["the whole pipeline"] = (work / "bench-out" / (data.name + ".out")).read_bytes()
    # Every path must give the same bytes; a speed-up that changes an answer is a bug.
    for where, answer in answers.items():
        same = answer.rstrip(b"\n") == expected.rstrip(b"\n")
        print(f"\n{where}: {'the same bytes as' if same else 'DIFFERENT from'} the in-process hops "
              f"({len(answer):,} bytes)")
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
