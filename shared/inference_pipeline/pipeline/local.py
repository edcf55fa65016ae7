"""Local simulation of a SageMaker endpoint serving an inference pipeline.

``up`` starts every container of a spec (with docker compose, or with ``--no-docker`` as local
``serve`` processes from this repo) on its own 127.0.0.1 port via ``SAGEMAKER_BIND_TO_PORT``,
models mounted read-only at ``/opt/ml/model``, then a front door
(:mod:`inference_pipeline.pipeline.frontdoor`) on one port that behaves like the endpoint. Each
production variant runs ``initial_instance_count`` copies of the pipeline (its instances).
State (ports, pids, compose project) lives in a state directory per spec name *and* port, so
``down``/``logs`` find it and two pipelines of one spec can run side by side on two ports.
Everything that can be checked (port, images, runtimes) is checked before anything starts.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from inference_pipeline.catalogue import REPOSITORY_PREFIX, VersionLine, stand_in_line, stand_ins
from inference_pipeline.catalogue import image as catalogue_image
from inference_pipeline.pipeline.artifacts import model_dir_for
from inference_pipeline.pipeline.frontdoor import DEFAULT_VARIANT, endpoint_config
from inference_pipeline.pipeline.ports import PortBook, PortInUse
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
    variant: str = DEFAULT_VARIANT
    instance: int = 0
    service: str = ""  # compose service, log file and pid key: the name, or variant-instance-name

    def __post_init__(self) -> None:
        self.service = self.service or self.name


@dataclass
class SimulatorState:
    name: str
    mode: str  # "docker" | "process"
    project: str
    front_port: int
    containers: list[LocalContainer]
    frontdoor_pid: int | None = None
    process_pids: dict[str, int] = field(default_factory=dict)
    endpoint: str = ""
    capture_dir: str | None = None

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


def state_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "inference-pipeline"


def default_state_dir(name: str, port: int | None = None) -> Path:
    """``pipelines/<name>@<port>``: one per name and port, so a pipeline left up on one port is not
    replaced by the same spec started on another (``<name>`` alone: the pre-port layout)."""
    return state_root() / "pipelines" / (f"{name}@{port}" if port is not None else name)


def running_state_dirs(name: str) -> list[Path]:
    """State directories of pipelines named ``name`` that are up (any port)."""
    pipelines = state_root() / "pipelines"
    found = [p.parent for p in sorted(pipelines.glob(f"{name}@*/state.json"))]
    legacy = pipelines / name / "state.json"
    return found + ([legacy.parent] if legacy.is_file() else [])


def find_state_dir(name: str, port: int | None = None) -> Path:
    """The state directory of the running pipeline ``name`` (on ``port``, if given)."""
    if port is not None:
        return default_state_dir(name, port)
    running = running_state_dirs(name)
    if len(running) == 1:
        return running[0]
    if not running:
        raise SimulatorError(f"no local pipeline named {name} is up (start it with `inference-pipeline up`)")
    ports = ", ".join(p.name.rpartition("@")[2] for p in running)
    raise SimulatorError(f"{len(running)} local pipelines named {name} are up (ports {ports}); say which with --port")


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


def _download_s3(uri: str, cache_dir: Path) -> Path:
    import boto3

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    target = cache_dir / "s3" / bucket / key
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        boto3.client("s3").download_file(bucket, key, str(target))
    return target


MAX_LOCAL_CONTAINERS = 32  # variants x instances x containers: beyond this a laptop only thrashes


def plan_containers(spec: PipelineSpec, *, cache_dir: Path, image_tag: str = "latest",
                    extra_env: dict[str, str] | None = None, ports: PortBook | None = None,
                    copies: bool = True) -> list[LocalContainer]:
    """Resolve images, extract artifacts (safely, content-addressed) and assign ports.

    With ``copies``, every variant gets ``initial_instance_count`` copies of the pipeline (else one
    copy of the first variant, as a transform job needs). Ports stay held in ``ports`` until the
    caller releases them (without a book they are released at once: for rendering only).
    """
    book = ports or PortBook()
    variants = spec.endpoint.variants if copies else spec.endpoint.variants[:1]
    layout = [(v.name, i) for v in variants for i in range(v.initial_instance_count if copies else 1)]
    if len(layout) * len(spec.containers) > MAX_LOCAL_CONTAINERS:
        raise SimulatorError(f"the endpoint needs {len(layout) * len(spec.containers)} local containers "
                             f"({len(layout)} instance(s) of {len(spec.containers)}); the simulator runs at most "
                             f"{MAX_LOCAL_CONTAINERS}: lower initial_instance_count or the number of variants")
    single = len(layout) == 1
    planned: list[LocalContainer] = []
    model_dirs: dict[str, str | None] = {}
    for container in spec.containers:
        model_dir = None
        if container.model is not None:
            source = _download_s3(container.model.uri, cache_dir) if container.model.is_s3 else container.model.path
            model_dir = str(model_dir_for(source, cache_dir / "artifacts"))
        model_dirs[container.name] = model_dir
    for variant, instance in layout:
        for container in spec.containers:
            image, runtime = local_image(container.image, image_tag)
            port = book.hold_any()
            env = {**container.environment, **(extra_env or {}),
                   "SAGEMAKER_BIND_TO_PORT": str(port), "INFERENCE_PIPELINE_BIND_HOST": LOCALHOST}
            service = container.name if single else f"{variant}-{instance}-{container.name}".lower()
            planned.append(LocalContainer(container.name, image, runtime, model_dirs[container.name], port, env,
                                          variant, instance, service))
    if ports is None:
        book.release()
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
            "labels": {"inference-pipeline.container": c.name, "inference-pipeline.project": project,
                       "inference-pipeline.variant": c.variant, "inference-pipeline.instance": str(c.instance)},
        }
        if c.model_dir:
            service["volumes"] = [{"type": "bind", "source": c.model_dir, "target": "/opt/ml/model",
                                   "read_only": True}]
        services[c.service] = service
    return {"name": project, "services": services}


def _compose(state_dir: Path, project: str, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    cmd = ["docker", "compose", "-p", project, "-f", str(state_dir / "compose.yaml"), *args]
    return subprocess.run(cmd, capture_output=capture, text=True, check=False)


def _spawn(args: list[str], log_path: Path, env: dict[str, str], pass_fds: tuple[int, ...] = ()) -> int:
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True, stdin=subprocess.DEVNULL, pass_fds=pass_fds)
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


FAILED_LOAD = "failed to load"  # what a container's /ping says once loading its model failed for good


class LoadFailed(SimulatorError):
    """A container reported that its model failed to load: waiting longer cannot help."""


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
            if response.status_code == 503 and FAILED_LOAD in response.text:
                raise LoadFailed(f"{what} answered /ping with {last}")
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise SimulatorError(f"{what} was not healthy after {timeout:g} s (last: {last})")


class LocalPipeline:
    """Start, stop and inspect one spec's local endpoint."""

    def __init__(self, spec: PipelineSpec, *, state_dir: Path | None = None, port: int = 8080,
                 docker: bool = True, image_tag: str = "latest", extra_env: dict[str, str] | None = None,
                 copies: bool = True) -> None:
        """``port`` is the front door's; 0 lets ``up`` pick one and hold it until the front door
        listens (the returned state's ``url`` has it), so no other process can take it in between
        as it can a port found free beforehand. Port 0 needs a ``state_dir``: the default is per port."""
        if port == 0 and state_dir is None:
            raise ValueError("port 0 (any free port) needs an explicit state_dir")
        self.spec = spec
        self.state_dir = state_dir or default_state_dir(spec.name, port)
        self.port = port
        self.docker = docker
        self.image_tag = image_tag
        self.extra_env = extra_env or {}
        self.copies = copies  # every variant's instances (an endpoint), or one copy (a transform job)

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

    def capture_dir(self) -> Path | None:
        """Where data capture is written locally: the spec's directory, or for an s3:// destination
        a mirror of bucket/prefix under the state directory."""
        capture = self.spec.endpoint.data_capture
        if capture is None or not capture.enable_capture:
            return None
        if capture.is_s3:
            return self.state_dir / "data-capture" / capture.destination.removeprefix("s3://").strip("/")
        return Path(capture.destination)

    def preflight(self, containers: list[LocalContainer]) -> None:
        """Refuse what cannot run before anything starts (nothing to clean up after a refusal)."""
        if self.docker:
            if shutil.which("docker") is None:
                raise SimulatorError("docker is not installed; use --no-docker or run scripts/install-docker.sh")
            for image in sorted({c.image for c in containers}):
                if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode != 0:
                    users = ", ".join(sorted({c.name for c in containers if c.image == image}))
                    raise SimulatorError(f"image {image} for container {users} is not available locally; "
                                         "build it with scripts/build-images.sh (or docker pull it)")
        else:
            for c in containers:
                if c.runtime is None:
                    raise SimulatorError(f"container {c.name} uses image {c.image}, which --no-docker cannot run; "
                                         "only this repo's images and the built-ins it stands in for can")

    def up(self, *, timeout: float = 240, on_status: Callable[[str], None] | None = None) -> SimulatorState:
        say = on_status or (lambda _msg: None)
        if (self.state_dir / "state.json").is_file():
            self.down()  # the same spec on the same port: replace it
        ports = PortBook()
        try:  # held from here on: nothing else can take the port before the front door listens on it
            if self.port == 0:
                self.port = ports.hold_any()
            else:
                ports.hold(self.port)
        except PortInUse:
            raise SimulatorError(f"port {self.port} on {LOCALHOST} is already in use (another pipeline left up? "
                                 "stop it with `inference-pipeline down SPEC`), or choose another with --port") from None
        try:
            containers = plan_containers(self.spec, cache_dir=self.cache_dir, image_tag=self.image_tag,
                                         extra_env=self.extra_env, ports=ports, copies=self.copies)
            self.preflight(containers)
            capture = self.capture_dir()
            state = SimulatorState(self.spec.name, "docker" if self.docker else "process", self.project, self.port,
                                   containers, endpoint=self.spec.endpoint_name,
                                   capture_dir=str(capture) if capture else None)
            self.state_dir.mkdir(parents=True, exist_ok=True)
            state.save(self.state_dir)
            try:
                if self.docker:
                    self._up_docker(state, timeout, say, ports)
                else:
                    self._up_processes(state, timeout, say, ports)
                self._start_frontdoor(state, say)
            except BaseException:
                self.down()
                raise
        finally:
            ports.release()
        return state

    def frontdoor_config(self, state: SimulatorState) -> dict[str, Any]:
        variants = []
        for variant in self.spec.endpoint.variants:
            mine = [c for c in state.containers if c.variant == variant.name]
            if not mine:
                continue
            count = max(c.instance for c in mine) + 1
            instances = [[{"name": c.name, "url": f"http://{LOCALHOST}:{c.port}"} for c in mine if c.instance == i]
                         for i in range(count)]
            weight = variant.initial_variant_weight if self.copies else 1.0
            variants.append({"name": variant.name, "weight": weight, "instances": instances})
        capture = self.spec.endpoint.data_capture
        capture_config = None
        if capture is not None and state.capture_dir:
            capture_config = {"destination": state.capture_dir, "sampling_percentage": capture.sampling_percentage,
                              "capture_input": "Input" in capture.capture, "capture_output": "Output" in capture.capture,
                              "csv_content_types": capture.csv_content_types,
                              "json_content_types": capture.json_content_types}
        return endpoint_config(state.endpoint or self.spec.endpoint_name, variants, mode=self.spec.mode,
                               data_capture=capture_config)

    def _start_frontdoor(self, state: SimulatorState, say: Callable[[str], None]) -> None:
        say(f"starting the front door on {state.url}")
        config_path = self.state_dir / "frontdoor.json"
        config_path.write_text(json.dumps(self.frontdoor_config(state), indent=2))
        state.frontdoor_pid = _spawn([sys.executable, "-m", "inference_pipeline.pipeline.frontdoor_server",
                                      "--config", str(config_path), "--host", LOCALHOST, "--port", str(self.port)],
                                     self.state_dir / "frontdoor.log", dict(os.environ))
        state.save(self.state_dir)
        try:
            wait_healthy(state.url, 30, what="the front door", alive=lambda: _alive(state.frontdoor_pid))
        except SimulatorError as exc:
            log = (self.state_dir / "frontdoor.log").read_text(errors="replace").strip().splitlines()
            raise SimulatorError(f"{exc}; last lines of its log:\n    " + "\n    ".join(log[-5:])) from None

    def _wait_containers(self, state: SimulatorState, timeout: float, ports: PortBook,
                         alive: Callable[[LocalContainer], Callable[[], bool]]) -> None:
        deadline = time.monotonic() + timeout
        for c in state.containers:
            try:
                wait_healthy(f"http://{LOCALHOST}:{c.port}", max(1.0, deadline - time.monotonic()),
                             what=f"container {c.service}", alive=alive(c))
            except SimulatorError as exc:
                tail = "\n    ".join(self.logs(c.service).strip().splitlines()[-15:])
                raise type(exc)(f"{exc}; last log lines:\n    {tail}") from None
            ports.release(c.port)  # it listens: the reservation has done its job

    def _up_docker(self, state: SimulatorState, timeout: float, say: Callable[[str], None], ports: PortBook) -> None:
        (self.state_dir / "compose.yaml").write_text(yaml.safe_dump(render_compose(state.containers, state.project),
                                                                    sort_keys=False))
        for c in state.containers:
            if c.runtime is None:  # a foreign server may bind without SO_REUSEADDR: let the port go now
                ports.release(c.port)
        say(f"docker compose up ({len(state.containers)} containers)")
        # No --wait: it would sit out the healthcheck's retries even after a model failed to load.
        proc = _compose(self.state_dir, state.project, "up", "-d", capture=True)
        if proc.returncode != 0:
            raise SimulatorError(f"docker compose up failed: {proc.stderr.strip()[-800:]}")
        self._wait_containers(state, timeout, ports, lambda c: self._compose_running(state, c))

    def _compose_running(self, state: SimulatorState, container: LocalContainer) -> Callable[[], bool]:
        checked = [0.0, True]

        def running() -> bool:  # `docker compose ps` costs ~100 ms: ask at most every 2 s
            if time.monotonic() - float(checked[0]) >= 2:
                proc = _compose(self.state_dir, state.project, "ps", "-q", "--status", "running", container.service,
                                capture=True)
                checked[:] = [time.monotonic(), bool(proc.stdout.strip()) or proc.returncode != 0]
            return bool(checked[1])
        return running

    def _up_processes(self, state: SimulatorState, timeout: float, say: Callable[[str], None],
                      ports: PortBook) -> None:
        for c in state.containers:
            assert c.runtime is not None  # preflight refused the others
            env = {**os.environ, **c.environment, "SM_MODEL_DIR": c.model_dir or str(self.state_dir / "empty-model"),
                   "INFERENCE_PIPELINE_RUNTIME": c.runtime}
            if not c.model_dir:
                (self.state_dir / "empty-model").mkdir(exist_ok=True)
            say(f"starting {c.service} ({c.runtime}) on port {c.port}")
            state.process_pids[c.service] = _spawn(
                [sys.executable, "-m", "inference_pipeline.runtimes.serve", "serve", "--runtime", c.runtime],
                self.state_dir / f"{c.service}.log", env)
            state.save(self.state_dir)
        self._wait_containers(state, timeout, ports,
                              lambda c: functools.partial(_alive, state.process_pids[c.service]))

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
        """One container's log (its name, or ``variant-instance-name`` with several copies), or all."""
        state = SimulatorState.load(self.state_dir)
        names = [c.service for c in state.containers]
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
