"""Helpers the example scripts share: synthetic abalone data and the run-a-pipeline steps.

Examples put this folder on sys.path (``sys.path.insert(0, str(HERE.parent))``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import requests

ABALONE_COLUMNS = ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight",
                   "shell_weight", "rings"]


def abalone_rows(n: int, seed: int = 0, *, labelled: bool = True) -> list[list]:
    """Rows with UCI abalone's schema and realistic shapes: sex M/F/I (infants smaller), the six
    size/weight measurements strongly correlated, rings growing with shell weight."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["M", "I", "F"], n, p=[0.366, 0.321, 0.313])
    length = np.clip(np.where(sex == "I", rng.normal(0.43, 0.10, n), rng.normal(0.56, 0.09, n)), 0.075, 0.815)
    diameter = np.clip(length * 0.8 + rng.normal(0, 0.015, n), 0.055, 0.65)
    height = np.clip(diameter * 0.34 + rng.normal(0, 0.012, n), 0.01, 0.25)
    whole = np.clip(4.2 * length ** 3 + rng.normal(0, 0.05, n), 0.002, 2.8)
    shucked = whole * rng.uniform(0.38, 0.48, n)
    viscera = whole * rng.uniform(0.19, 0.25, n)
    shell = whole * rng.uniform(0.26, 0.32, n)
    rings = np.clip(np.round(3 + 22 * shell + 14 * height + np.where(sex == "I", -1.5, 0.5)
                             + rng.normal(0, 1.6, n)), 1, 29)
    rows = []
    for i in range(n):
        row = [str(sex[i])] + [round(float(v), 4) for v in (length[i], diameter[i], height[i], whole[i],
                                                             shucked[i], viscera[i], shell[i])]
        rows.append(row + [int(rings[i])] if labelled else row)
    return rows


def write_csv(rows: list[list], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join(str(v) for v in row) + "\n" for row in rows))
    return path


def show_trace(url: str) -> None:
    """Print what each container received and returned for the last request."""
    trace = requests.get(f"{url}/traces", timeout=10).json()[-1]
    for hop in trace["hops"]:
        print(f"  {hop['container']:<12} ← {hop['content_type'] or '-':<32} {hop['request_body'][:160]!r}")
        print(f"  {'':<12} → {hop['response_content_type'] or '':<32} {hop['response_body'][:160]!r} "
              f"({hop['millis']} ms)")


@dataclass
class Request:
    title: str
    body: bytes
    content_type: str
    accept: str | None = None


def runtime_client(url: str) -> Any:
    """The boto3 client a user's code already has: only ``endpoint_url`` points at the local front door
    (the credentials are placeholders; nothing checks them locally)."""
    import boto3
    from botocore.config import Config

    return boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=Config(retries={"total_max_attempts": 1}, read_timeout=70))


def ask_with_boto3(url: str, endpoint: str, ask: Request) -> tuple[int, str, str]:
    """(status, body, content type) of ``ask`` sent as ``invoke_endpoint`` would send it to SageMaker."""
    from botocore.exceptions import ClientError

    params: dict[str, Any] = {"EndpointName": endpoint, "Body": ask.body, "ContentType": ask.content_type}
    if ask.accept:
        params["Accept"] = ask.accept
    try:
        answer = runtime_client(url).invoke_endpoint(**params)
    except ClientError as exc:
        return int(exc.response["ResponseMetadata"]["HTTPStatusCode"]), exc.response["Error"]["Message"], ""
    return 200, answer["Body"].read().decode(), answer.get("ContentType", "")


def ask_with_cli(url: str, ask: Request) -> tuple[int, str]:
    """(exit code, stdout) of ``inference-pipeline invoke`` sending ``ask`` to the front door."""
    command = [sys.executable, "-c", "from inference_pipeline.cli import main; main()", "invoke", "--url", url,
               "--content-type", ask.content_type, *(["--accept", ask.accept] if ask.accept else [])]
    result = subprocess.run(command, input=ask.body, capture_output=True, timeout=120)
    return result.returncode, result.stdout.decode()


def ask_both_ways(url: str, endpoint: str, ask: Request) -> tuple[int, str, str]:
    """Send ``ask`` through boto3 and through the CLI; both must get the same answer."""
    status, body, content_type = ask_with_boto3(url, endpoint, ask)
    code, printed = ask_with_cli(url, ask)
    if status == 200 and (code != 0 or printed.rstrip("\n") != body.rstrip("\n")):
        raise SystemExit(f"{ask.title}: the CLI answered {printed!r} (exit {code}), boto3 {body!r}")
    return status, body, content_type


def serve_and_ask(spec_path: Path, asks: list[Request], *, docker: bool, port: int,
                  keep_up: bool = False) -> list[tuple[int, str, str]]:
    """Start the pipeline, send each request (printing the answer and the per-hop trace), stop."""
    from inference_pipeline.pipeline.local import LocalPipeline
    from inference_pipeline.spec.model import load_spec

    pipeline = LocalPipeline(load_spec(spec_path), port=port, docker=docker)
    state = pipeline.up(on_status=lambda message: print(f"… {message}"))
    answers = []
    try:
        for ask in asks:
            status, body, content_type = ask_both_ways(state.url, state.endpoint, ask)
            print(f"\n{ask.title} (boto3 invoke_endpoint, and the CLI): HTTP {status} {content_type}")
            print(f"  {body.strip()[:300]}")
            show_trace(state.url)
            answers.append((status, body, content_type))
    finally:
        if not keep_up:
            pipeline.down()
    return answers


def batch_transform(spec_path: Path, input_dir: Path, output_dir: Path, *, docker: bool, port: int = 0,
                    check: Callable[[Path], str] | None = None) -> int:
    """Run the spec's transform section over ``input_dir``; returns the number of records.

    ``port`` 0 (the default) lets the simulator pick and hold a free port for the job's own front
    door: the endpoint's port + 1, used before, can be taken by any other program in between."""
    from inference_pipeline.pipeline.local_transform import run_local_transform
    from inference_pipeline.spec.model import load_spec

    report = run_local_transform(load_spec(spec_path), input_dir, output_dir, docker=docker, port=port)
    if not report.succeeded:
        raise SystemExit("batch transform failed: " + "; ".join(f.describe() for f in report.failures))
    print(f"\nbatch transform: {report.records} records in {report.seconds:.2f} s → {output_dir}")
    if check is not None:
        print(f"  {check(output_dir)}")
    return report.records
