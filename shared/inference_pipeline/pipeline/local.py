"""Local simulation of a SageMaker serial inference pipeline.

``up`` starts every container of a spec (with docker compose, or with ``--no-docker`` as local
``serve`` processes from this repo) on its own 127.0.0.1 port via ``SAGEMAKER_BIND_TO_PORT``,
models mounted read-only at ``/opt/ml/model``, then a front door
(:mod:`inference_pipeline.pipeline.frontdoor`) on one port that behaves like the endpoint.
State (ports, pids, compose project) lives in a state directory so ``down``/``logs`` find it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from inference_pipeline.catalogue import REPOSITORY_PREFIX, VersionLine, stand_in_line, stand_ins
from inference_pipeline.catalogue import image as catalogue_image
from inference_pipeline.pipeline.artifacts import model_dir_for
from inference_pipeline.spec.model import BuiltinImage, ImageUri, PipelineSpec, ProjectImage

LOCALHOST = "127.0.0.1"
LOCAL_IMAGE_PREFIX = REPOSITORY_PREFIX
# SageMaker built-ins → the local stand-in image (and runtime) of this repo.
BUILTIN_STAND_INS = stand_ins()


class SimulatorError(RuntimeError):
    """The local pipeline could not be started, reached or stopped; the message says why."""


@dataclass
class LocalContainer:
    name: str
    image: str
    runtime: str | None  # this repo's runtime name, when the image is one of ours
    model_dir: str | None
    port: int
    environment: dict[str, str] = field(default_factory=dict)


@dataclass
class SimulatorState:
    name: str
    mode: str  # "docker" | "process"
    project: str
    front_port: int
    containers: list[LocalContainer]
    frontdoor_pid: int | None = None
    process_pids: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.front_port}"

    def save(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        (state_dir / "state.json").write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, state_dir: Path) -> SimulatorState:
        path = state_dir / "state.json"
        if not path.is_file():
            raise SimulatorError(f"no local pipeline is up for {state_dir} (nothing at {path})")
        data = json.loads(path.read_text())
        data["containers"] = [LocalContainer(**c) for c in data["containers"]]
        return cls(**data)


def default_state_dir(name: str) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "inference-pipeline"
    return root / "pipelines" / name


def local_line(image: Any) -> VersionLine | None:
    """The framework version line a spec image runs on locally (None: the image has no lines).

    ``builtin:xgboost:1.7-1`` runs on the xgboost 1.7 line, ``builtin:sklearn:1.2-1`` on sklearn
    1.2 (catalogue ``builtin_versions``); ``repo:xgboost`` with a tag ending in ``-xgboost1.7`` on
    that line; anything else on the image's default line.
    """
    if isinstance(image, BuiltinImage):
        return stand_in_line(image.builtin, image.version)[1] if image.builtin in BUILTIN_STAND_INS else None
    if isinstance(image, ProjectImage):
        entry = catalogue_image(image.repo)
        for line in entry.version_lines:
            if image.version and image.version.endswith(entry.tag_suffix(line)):
                return line
        return entry.default_line
    return None


def _line_tag(name: str, line: VersionLine | None, tag: str) -> str:
    """Local tag of a line: ``latest`` for the default, else the moving ``xgboost1.7`` (bake's line tags)."""
    if line is None or line.default:
        return tag
    suffix = catalogue_image(name).tag_suffix(line)
    return suffix if tag == "latest" else f"{tag}-{suffix}"


def local_image(image: Any, tag: str = "latest") -> tuple[str, str | None]:
    """(image to run, runtime name or None) for a spec image, preferring this repo's stand-ins
    on the version line of the same framework version."""
    if isinstance(image, ProjectImage):
        return f"{LOCAL_IMAGE_PREFIX}/{image.repo}:{_line_tag(image.repo, local_line(image), tag)}", image.repo
    if isinstance(image, BuiltinImage):
        stand_in = BUILTIN_STAND_INS.get(image.builtin)
        if stand_in is None:
            raise SimulatorError(f"no local stand-in for built-in image {image.builtin!r}; "
                                 f"use one of {', '.join(sorted(BUILTIN_STAND_INS))} or give an image URI")
        return f"{LOCAL_IMAGE_PREFIX}/{stand_in}:{_line_tag(stand_in, local_line(image), tag)}", stand_in
    assert isinstance(image, ImageUri)
    uri = image.uri
    repo, _, _ = uri.rpartition(":") if ":" in uri.rsplit("/", 1)[-1] else (uri, "", "")
    name = repo.rsplit("/", 1)[-1]
    runtime = name if repo.startswith(f"{LOCAL_IMAGE_PREFIX}/") and name in BUILTIN_STAND_INS.values() else None
    return uri, runtime


def _free_port(avoid: set[int]) -> int:
    """A port free now and not in ``avoid`` (the kernel often hands out a just-freed port's neighbour)."""
    while True:
        with socket.socket() as sock:
            sock.bind((LOCALHOST, 0))
            port = int(sock.getsockname()[1])
        if port not in avoid:
            return port


def _port_in_use(port: int) -> bool:
    """True when something listens on LOCALHOST:port (SO_REUSEADDR as gunicorn, so TIME_WAIT is no reason)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOCALHOST, port))
        except OSError:
            return True
    return False


def _download_s3(uri: str, cache_dir: Path) -> Path:
    import boto3

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    target = cache_dir / "s3" / bucket / key
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        boto3.client("s3").download_file(bucket, key, str(target))
    return target


def plan_containers(spec: PipelineSpec, *, cache_dir: Path, image_tag: str = "latest",
                    extra_env: dict[str, str] | None = None, reserved: Iterable[int] = ()) -> list[LocalContainer]:
    """Resolve images, extract artifacts (safely, content-addressed) and assign ports, distinct from
    each other and from ``reserved`` (the front door's)."""
    planned: list[LocalContainer] = []
    taken = set(reserved)
    for container in spec.containers:
        image, runtime = local_image(container.image, image_tag)
        model_dir = None
        if container.model is not None:
            source = _download_s3(container.model.uri, cache_dir) if container.model.is_s3 else container.model.path
            model_dir = str(model_dir_for(source, cache_dir / "artifacts"))
        port = _free_port(taken)
        taken.add(port)
        env = {**container.environment, **(extra_env or {}),
               "SAGEMAKER_BIND_TO_PORT": str(port), "INFERENCE_PIPELINE_BIND_HOST": LOCALHOST}
        planned.append(LocalContainer(container.name, image, runtime, model_dir, port, env))
    return planned


def _healthcheck(port: int) -> dict[str, Any]:
    probe = ("import sys, urllib.request; "
             f"sys.exit(0 if urllib.request.urlopen('http://{LOCALHOST}:{port}/ping', timeout=2).status == 200 else 1)")
    return {"test": ["CMD", "python3", "-c", probe], "interval": "2s", "timeout": "3s", "retries": 90,
            "start_period": "2s"}


def render_compose(containers: list[LocalContainer], project: str) -> dict[str, Any]:
    """The compose file: host networking, one port per container, models read-only."""
    services: dict[str, Any] = {}
    for c in containers:
        service: dict[str, Any] = {
            "image": c.image,
            "command": ["serve"],
            "network_mode": "host",
            "environment": dict(sorted(c.environment.items())),
            "healthcheck": _healthcheck(c.port),
            "restart": "no",
            "stop_grace_period": "30s",
            "labels": {"inference-pipeline.container": c.name, "inference-pipeline.project": project},
        }
        if c.model_dir:
            service["volumes"] = [{"type": "bind", "source": c.model_dir, "target": "/opt/ml/model",
                                   "read_only": True}]
        services[c.name] = service
    return {"name": project, "services": services}


def _compose(state_dir: Path, project: str, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    cmd = ["docker", "compose", "-p", project, "-f", str(state_dir / "compose.yaml"), *args]
    return subprocess.run(cmd, capture_output=capture, text=True, check=False)


def _spawn(args: list[str], log_path: Path, env: dict[str, str]) -> int:
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True, stdin=subprocess.DEVNULL)
    return process.pid


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:  # a child of ours that exited is a zombie until reaped, and a zombie answers kill(0)
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child (started by an earlier command): kill(0) is the only probe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(pid: int | None, timeout: float = 30) -> None:
    if not _alive(pid):
        return
    assert pid is not None
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):  # _alive reaps our own children
        time.sleep(0.1)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)


def wait_healthy(url: str, timeout: float, *, what: str, alive: Callable[[], bool] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise SimulatorError(f"{what} exited while starting (last: {last})")
        try:
            response = requests.get(f"{url}/ping", timeout=2)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text.strip()[:300]}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise SimulatorError(f"{what} was not healthy after {timeout:g} s (last: {last})")


class LocalPipeline:
    """Start, stop and inspect one spec's local pipeline."""

    def __init__(self, spec: PipelineSpec, *, state_dir: Path | None = None, port: int = 8080,
                 docker: bool = True, image_tag: str = "latest", extra_env: dict[str, str] | None = None) -> None:
        self.spec = spec
        self.state_dir = state_dir or default_state_dir(spec.name)
        self.port = port
        self.docker = docker
        self.image_tag = image_tag
        self.extra_env = extra_env or {}

    @property
    def cache_dir(self) -> Path:
        """Extracted artifacts, shared by every pipeline under the same state root."""
        return self.state_dir.parent.parent / "cache"

    @property
    def project(self) -> str:
        """The compose project: one per state directory, so the same spec can run twice at once (a
        pipeline left up and a local transform of it) without one replacing the other's containers."""
        digest = hashlib.sha256(str(self.state_dir.resolve()).encode()).hexdigest()[:8]
        return f"ip-{self.spec.name[:50]}-{digest}".lower()

    def up(self, *, timeout: float = 240, on_status: Callable[[str], None] | None = None) -> SimulatorState:
        say = on_status or (lambda _msg: None)
        if (self.state_dir / "state.json").is_file():
            self.down()
        if _port_in_use(self.port):  # before starting containers: the front door could not bind later
            raise SimulatorError(f"port {self.port} on {LOCALHOST} is already in use (another pipeline left up? "
                                 "stop it with `inference-pipeline down SPEC`), or choose another with --port")
        containers = plan_containers(self.spec, cache_dir=self.cache_dir,
                                     image_tag=self.image_tag, extra_env=self.extra_env, reserved={self.port})
        state = SimulatorState(self.spec.name, "docker" if self.docker else "process", self.project, self.port,
                               containers)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        state.save(self.state_dir)
        try:
            if self.docker:
                self._up_docker(state, timeout, say)
            else:
                self._up_processes(state, timeout, say)
            say(f"starting the front door on {state.url}")
            hops = [arg for c in containers for arg in ("--hop", f"{c.name}=http://{LOCALHOST}:{c.port}")]
            state.frontdoor_pid = _spawn([sys.executable, "-m", "inference_pipeline.pipeline.frontdoor_server",
                                         "--host", LOCALHOST, "--port", str(self.port), *hops],
                                        self.state_dir / "frontdoor.log", dict(os.environ))
            state.save(self.state_dir)
            try:
                wait_healthy(state.url, 30, what="the front door", alive=lambda: _alive(state.frontdoor_pid))
            except SimulatorError as exc:
                log = (self.state_dir / "frontdoor.log").read_text(errors="replace").strip().splitlines()
                raise SimulatorError(f"{exc}; last lines of its log:\n    " + "\n    ".join(log[-5:])) from None
        except BaseException:
            self.down()
            raise
        return state

    def _up_docker(self, state: SimulatorState, timeout: float, say: Callable[[str], None]) -> None:
        if shutil.which("docker") is None:
            raise SimulatorError("docker is not installed; use --no-docker or run scripts/install-docker.sh")
        for c in state.containers:
            if subprocess.run(["docker", "image", "inspect", c.image], capture_output=True).returncode != 0:
                raise SimulatorError(f"image {c.image} for container {c.name} is not available locally; "
                                     "build it with scripts/build-images.sh (or docker pull it)")
        (self.state_dir / "compose.yaml").write_text(yaml.safe_dump(render_compose(state.containers, state.project),
                                                                    sort_keys=False))
        say(f"docker compose up ({len(state.containers)} containers)")
        proc = _compose(self.state_dir, state.project, "up", "-d", "--wait", "--wait-timeout", str(int(timeout)),
                        capture=True)
        if proc.returncode != 0:
            unhealthy = self._unhealthy_report(state)
            raise SimulatorError(f"docker compose up failed: {proc.stderr.strip()[-800:]}{unhealthy}")

    def _unhealthy_report(self, state: SimulatorState) -> str:
        lines = []
        for c in state.containers:
            try:
                ok = requests.get(f"http://{LOCALHOST}:{c.port}/ping", timeout=2).status_code == 200
            except requests.RequestException:
                ok = False
            if not ok:
                tail = "\n    ".join(self.logs(c.name).strip().splitlines()[-15:])
                lines.append(f"\n  container {c.name} ({c.image}) is not healthy; last log lines:\n    {tail}")
        return "".join(lines)

    def _up_processes(self, state: SimulatorState, timeout: float, say: Callable[[str], None]) -> None:
        for c in state.containers:
            if c.runtime is None:
                raise SimulatorError(f"container {c.name} uses image {c.image}, which --no-docker cannot run; "
                                     "only this repo's images and the built-ins it stands in for can")
            env = {**os.environ, **c.environment, "SM_MODEL_DIR": c.model_dir or str(self.state_dir / "empty-model"),
                   "INFERENCE_PIPELINE_RUNTIME": c.runtime}
            if not c.model_dir:
                (self.state_dir / "empty-model").mkdir(exist_ok=True)
            say(f"starting {c.name} ({c.runtime}) on port {c.port}")
            state.process_pids[c.name] = _spawn(
                [sys.executable, "-m", "inference_pipeline.runtimes.serve", "serve", "--runtime", c.runtime],
                self.state_dir / f"{c.name}.log", env)
            state.save(self.state_dir)
        for c in state.containers:
            pid = state.process_pids[c.name]
            try:
                wait_healthy(f"http://{LOCALHOST}:{c.port}", timeout, what=f"container {c.name}",
                             alive=functools.partial(_alive, pid))
            except SimulatorError as exc:
                tail = "\n    ".join(self.logs(c.name).strip().splitlines()[-15:])
                raise SimulatorError(f"{exc}; last log lines:\n    {tail}") from None

    def down(self) -> None:
        try:
            state = SimulatorState.load(self.state_dir)
        except SimulatorError:
            return
        _stop(state.frontdoor_pid, timeout=15)
        for pid in state.process_pids.values():
            _stop(pid)
        if state.mode == "docker" and (self.state_dir / "compose.yaml").is_file():
            _compose(self.state_dir, state.project, "down", "--timeout", "30", capture=True)
        (self.state_dir / "state.json").unlink(missing_ok=True)

    def logs(self, container: str | None = None) -> str:
        state = SimulatorState.load(self.state_dir)
        names = [c.name for c in state.containers]
        if container is not None and container not in names + ["frontdoor"]:
            raise SimulatorError(f"no container {container!r}; the pipeline has {', '.join(names)} (and frontdoor)")
        if container == "frontdoor":
            return (self.state_dir / "frontdoor.log").read_text(errors="replace")
        if state.mode == "docker":
            proc = _compose(self.state_dir, state.project, "logs", "--no-color", *([container] if container else []),
                            capture=True)
            return str(proc.stdout) + str(proc.stderr)
        selected = [container] if container else names
        return "".join((self.state_dir / f"{name}.log").read_text(errors="replace") for name in selected
                       if (self.state_dir / f"{name}.log").is_file())


def compose_yaml(spec: PipelineSpec) -> str:
    """The docker compose file ``up`` would run for ``spec`` (same project and artifact cache)."""
    pipeline = LocalPipeline(spec)
    compose = render_compose(plan_containers(spec, cache_dir=pipeline.cache_dir), pipeline.project)
    return yaml.safe_dump(compose, sort_keys=False)
