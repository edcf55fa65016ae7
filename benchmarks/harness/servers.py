"""Start each server of a comparison, note its cold start, and give load and stats what they need.

Every server listens on 127.0.0.1 with 2 workers, loads the same model files, and is started the way
its users start it: our images with ``docker run --network host IMAGE serve``; MLServer with
``mlserver start`` and ``parallel_workers: 2``; Multi Model Server with the sagemaker-inference
toolkit's steps (model-archiver, the toolkit's default-mms.properties and log4j config,
``multi-model-server --start``) done with private paths instead of /etc and /opt/ml (so two runs
never share them); the floor with ``gunicorn -w 2`` (sync workers).

A port is taken from the kernel (bind 0) and handed to the server; if another process wins it
before the server binds, the start fails and is retried on a fresh port.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
import requests

from benchmarks.harness.models import ABALONE_COLUMNS, Model, numeric, rows

HERE = Path(__file__).resolve().parent
PEERS = HERE.parent / "peers"
LOCALHOST = "127.0.0.1"
WORKERS = 2


@dataclass
class Server:
    name: str  # as the tables show it: "ours (sklearn image)", "MLServer", ...
    side: str  # "ours" | "peer" | "floor"
    url: str
    path: str
    root_pid: int
    cold_start_s: float
    body: Callable[[int], bytes]  # request body for n rows
    headers: dict[str, str]
    parse: Callable[[bytes], np.ndarray]  # response body → 2-D answers
    image_bytes: int | None = None
    notes: list[str] = field(default_factory=list)
    container: str | None = None  # ours: the docker container, for the in-process probe

    def post(self, n: int) -> np.ndarray:
        response = requests.post(self.url + self.path, data=self.body(n), headers=self.headers, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{self.name} answered {response.status_code}: {response.text[:300]}")
        return self.parse(response.content)


def kernel_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def low_port() -> int:
    """A free port below 32767: MMS's Connector refuses any port >= Short.MAX_VALUE ("Invalid port
    number"), and the kernel hands out ephemeral ports from 32768 up. Checked free by binding it."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 32700)
        with socket.socket() as sock:
            try:
                sock.bind((LOCALHOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-32700")


def csv_answers(content: bytes) -> np.ndarray:
    return np.loadtxt(content.decode().splitlines(), delimiter=",", ndmin=2)


def wait_ready(url: str, alive: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"server exited before {url} answered 200")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f}s")


def csv_server(name: str, side: str, url: str, pid: int, cold: float, model: Model, **extra: object) -> Server:
    return Server(name, side, url, "/invocations", pid, cold, model.rows_csv,
                  {"Content-Type": "text/csv", "Accept": "text/csv"}, csv_answers, **extra)  # type: ignore[arg-type]


# -- ours ------------------------------------------------------------------------------------------

def image_size(image: str) -> int:
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", image], capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip())


def image_identity(image: str) -> str:
    """Id and build time: the images may be older than the commit measured (they are rebuilt separately)."""
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}} built {{.Created}}", image],
                         capture_output=True, text=True, check=True)
    return f"{image} {out.stdout.strip()[7:19]} {out.stdout.strip()[72:]}"


@contextmanager
def ours(image: str, model: Model, env: dict[str, str] | None = None, attempts: int = 3) -> Iterator[Server]:
    for attempt in range(attempts):
        port = kernel_port()
        name = f"ip-bench-{uuid.uuid4().hex[:10]}"
        args = ["docker", "run", "-d", "--name", name, "--network=host",
                "-e", f"SAGEMAKER_BIND_TO_PORT={port}", "-e", f"INFERENCE_PIPELINE_BIND_HOST={LOCALHOST}",
                "-e", f"SAGEMAKER_MODEL_SERVER_WORKERS={WORKERS}", "-v", f"{model.directory.resolve()}:/opt/ml/model:ro"]
        for key, value in (env or {}).items():
            args += ["-e", f"{key}={value}"]
        started = time.perf_counter()
        subprocess.run(args + [image, "serve"], check=True, capture_output=True)
        url = f"http://{LOCALHOST}:{port}"

        def running(name: str = name) -> bool:
            state = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", name], capture_output=True,
                                   text=True, check=False)
            return state.stdout.strip() == "true"

        try:
            wait_ready(url + "/ping", running, timeout=300)
        except (RuntimeError, TimeoutError):
            logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True, check=False)
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
            if "in use" in logs.stderr + logs.stdout and attempt + 1 < attempts:
                continue
            raise RuntimeError(f"{image} did not start: {(logs.stdout + logs.stderr)[-800:]}") from None
        cold = time.perf_counter() - started
        pid = int(subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", name], capture_output=True, text=True,
                                 check=True).stdout)
        try:
            yield csv_server(f"ours ({image.split('/')[-1].split(':')[0]} image)", "ours", url, pid, cold, model,
                             image_bytes=image_size(image), notes=[image_identity(image)], container=name)
        finally:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        return


# -- processes on the host (peers and the floor) ----------------------------------------------------

@contextmanager
def host_process(args: list[str], env: dict[str, str], ready_path: str, port: int, cwd: Path, log: Path,
                 timeout: float = 300) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    started = time.perf_counter()
    # One OpenMP thread per worker, the budget our xgboost image gives itself (cores // workers):
    # without it every worker's XGBoost spins a thread per core and 2 workers on 2 cores thrash.
    threads = str(max(1, (os.cpu_count() or 1) // WORKERS))
    with log.open("wb") as log_file:
        proc = subprocess.Popen(args, env={**os.environ, "OMP_NUM_THREADS": threads, **env}, cwd=cwd, stdout=log_file,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_ready(f"http://{LOCALHOST}:{port}{ready_path}", lambda: proc.poll() is None, timeout)
        yield proc, time.perf_counter() - started
    except (RuntimeError, TimeoutError) as exc:
        raise RuntimeError(f"{args[0]}: {exc}; log: {log.read_text(errors='replace')[-1500:]}") from None
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's own process group (it was started in a new session), SIGKILL after 15 s, and
    wait for every process of its tree: MMS's JVM outlives its launcher, and a second MMS refuses to
    start while the first one's pid file names a live process."""
    try:
        members = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        members = []
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    _gone, alive = psutil.wait_procs(members, timeout=15)
    for member in alive:
        member.kill()
    psutil.wait_procs(alive, timeout=5)
    proc.wait()


def venv(peer: str, work: Path) -> Path:
    path = work / "peers" / peer / "bin"
    if not (path / "python").exists():
        raise SystemExit(f"peer venv {peer} missing: bash benchmarks/peers/setup.sh {peer}")
    return path


@contextmanager
def floor(model: Model, work: Path) -> Iterator[Server]:
    bin_dir = venv("floor", work)
    port = kernel_port()
    args = [str(bin_dir / "gunicorn"), "-w", str(WORKERS), "-k", "sync", "-b", f"{LOCALHOST}:{port}",
            "--chdir", str(PEERS / "floor"), "floor_app:app"]
    env = {"BENCH_MODEL_DIR": str(model.directory), "BENCH_MODEL": model.name}
    with host_process(args, env, "/ping", port, work, work / f"floor-{model.name}.log") as (proc, cold):
        yield csv_server("floor (gunicorn+Flask+np.loadtxt)", "floor", f"http://{LOCALHOST}:{port}", proc.pid, cold,
                         model)


@contextmanager
def mms(model: Model, work: Path) -> Iterator[Server]:
    bin_dir = venv("mms", work)
    base = work / "mms" / model.name
    shutil.rmtree(base, ignore_errors=True)
    code = base / "code"
    shutil.copytree(model.directory, code)
    for module in ("handler_service.py", "inference_handler.py"):
        shutil.copy(PEERS / "mms" / module, code / module)
    store = base / "models"
    store.mkdir()
    # TMPDIR: MMS keeps its pid file in the temp directory and refuses to start while it names a
    # live process, so a JVM left over from an interrupted run blocked every MMS cell of the next.
    env = {"BENCH_MODEL": model.name, "PYTHONPATH": str(code), "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "TMPDIR": str(base)}
    subprocess.run([str(bin_dir / "model-archiver"), "--model-name", "model", "--handler", "handler_service",
                    "--model-path", str(code), "--export-path", str(store), "--archive-format", "no-archive"],
                   check=True, capture_output=True, env={**os.environ, **env})
    toolkit = next((bin_dir.parent / "lib").glob("python3*/site-packages/sagemaker_inference/etc"))
    port, management = low_port(), low_port()
    config = base / "config.properties"
    config.write_text((toolkit / "default-mms.properties").read_text() +
                      f"\ndefault_workers_per_model={WORKERS}\ninference_address=http://{LOCALHOST}:{port}\n"
                      f"management_address=http://{LOCALHOST}:{management}\n")
    args = [str(bin_dir / "multi-model-server"), "--start", "--foreground", "--model-store", str(store),
            "--mms-config", str(config), "--log-config", str(toolkit / "log4j2.xml")]
    with host_process(args, env, "/ping", port, base, base / "mms.log") as (proc, _cold):
        # /ping answers before the workers have loaded the model: cold start is the first good answer.
        started = time.perf_counter()
        server = csv_server("MMS + sagemaker-inference", "peer", f"http://{LOCALHOST}:{port}", proc.pid, 0.0, model)
        deadline = time.monotonic() + 120
        while True:
            try:
                server.post(1)
                break
            except (RuntimeError, requests.RequestException):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        server.cold_start_s = _cold + time.perf_counter() - started
        yield server


def v2_body(model: Model) -> Callable[[int], bytes]:
    def body(n: int) -> bytes:
        if model.name == "featurizer":
            table = [row.split(",") for row in rows("featurizer", n)]
            inputs = [{"name": ABALONE_COLUMNS[0], "shape": [n, 1], "datatype": "BYTES",
                       "data": [r[0] for r in table]}]
            inputs += [{"name": column, "shape": [n, 1], "datatype": "FP64", "data": [float(r[i]) for r in table]}
                       for i, column in enumerate(ABALONE_COLUMNS[1:], start=1)]
            request = {"parameters": {"content_type": "pd"}, "inputs": inputs,
                       "outputs": [{"name": "transform"}]}
        else:
            values = numeric(model.name, n)
            request = {"inputs": [{"name": "input-0", "shape": list(values.shape), "datatype": "FP64",
                                   "data": values.ravel().tolist()}]}
        return json.dumps(request).encode()
    return body


def v2_answers(content: bytes) -> np.ndarray:
    output = json.loads(content)["outputs"][0]
    return np.asarray(output["data"], dtype=float).reshape(output["shape"][0], -1)


@contextmanager
def mlserver(model: Model, work: Path) -> Iterator[Server]:
    bin_dir = venv("mlserver", work)
    base = work / "mlserver" / model.name
    shutil.rmtree(base, ignore_errors=True)
    model_dir = base / model.name
    model_dir.mkdir(parents=True)
    if model.framework == "xgboost":  # MLServer's xgboost runtime finds a model by extension
        uri, implementation = "model.ubj", "mlserver_xgboost.XGBoostModel"
    else:
        uri, implementation = "model.joblib", "mlserver_sklearn.SKLearnModel"
    shutil.copy(model.directory / model.file, model_dir / uri)
    (model_dir / "model-settings.json").write_text(json.dumps({
        "name": model.name, "implementation": implementation, "parameters": {"uri": f"./{uri}"}}))
    port, grpc, metrics = kernel_port(), kernel_port(), kernel_port()
    (base / "settings.json").write_text(json.dumps({
        "host": LOCALHOST, "http_port": port, "grpc_port": grpc, "metrics_port": metrics,
        "parallel_workers": WORKERS, "debug": False}))
    ready = f"/v2/models/{model.name}/ready"
    with host_process([str(bin_dir / "mlserver"), "start", str(base)], {}, ready, port, base,
                      base / "mlserver.log") as (proc, cold):
        yield Server("MLServer", "peer", f"http://{LOCALHOST}:{port}", f"/v2/models/{model.name}/infer", proc.pid,
                     cold, v2_body(model), {"Content-Type": "application/json"}, v2_answers)
