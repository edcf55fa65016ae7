"""The pre-deploy check: everything about a spec that SageMaker would only tell after minutes.

``check_spec(path)`` returns one :class:`Finding` per problem, each naming its container:
the spec's own limits (container count, names, 1024-character environment values — with the
schema-file way out for ``SAGEMAKER_SPARKML_SCHEMA``), the ModelDataUrl layout, the hand-off of
media types from container to container, ``training-versions.json`` against the target image's
version line, and a real load of each local artifact in the image the spec names
(``docker run IMAGE check``; ``--mleap-jvm`` for AWS's sparkml-serving). It makes no AWS call.

Media types come from the catalogue (``ImageEntry.content_types``/``accepts``/``default_accept``,
kept equal to the runtime classes by a test), so this module never imports a runtime.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from inference_pipeline.catalogue import ImageEntry, VersionLine, image, parse_minor
from inference_pipeline.pipeline.artifacts import model_dir_for
from inference_pipeline.pipeline.local import local_image, local_line
from inference_pipeline.spec.model import MAX_ENV_VALUE, Container, PipelineSpec, SpecError, load_spec

VERSIONS_FILE = "training-versions.json"  # runtimes.versions.VERSIONS_FILE (runtimes is not importable here)
SPARKML_SCHEMA = "SAGEMAKER_SPARKML_SCHEMA"
SCHEMA_FILE = "sagemaker-sparkml-schema.json"
DEFAULT_ACCEPT = "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"
CHECK_TIMEOUT_S = 120


@dataclass(frozen=True)
class Finding:
    container: str  # the container's name, or "" for the pipeline as a whole
    message: str
    #: False for a note (something that could not be checked here); only problems fail the check.
    problem: bool = True

    def __str__(self) -> str:
        where = f"{self.container}: " if self.container else ""
        return f"{where}{self.message}"


# ----------------------------------------------------------------------------- the spec itself


def _raw_containers(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    containers = data.get("containers") if isinstance(data, dict) else None
    return [c for c in containers if isinstance(c, dict)] if isinstance(containers, list) else []


def _long_schema_hints(path: Path) -> list[Finding]:
    """A schema over SageMaker's 1024-character limit has a way out; say which one applies."""
    findings = []
    for index, raw in enumerate(_raw_containers(path)):
        env = raw.get("environment")
        value = env.get(SPARKML_SCHEMA) if isinstance(env, dict) else None
        if isinstance(value, str) and len(value) > MAX_ENV_VALUE:
            name = str(raw.get("name") or f"containers[{index}]")
            builtin = str(raw.get("image", "")).startswith("builtin:sparkml-serving") or (
                isinstance(raw.get("image"), dict) and raw["image"].get("builtin") == "sparkml-serving")
            way_out = ("AWS's sparkml-serving reads the schema only from this variable: send it in each JSON "
                       "request's 'schema', or use repo:sparkml, which reads it from the bundle"
                       if builtin else f"put it in {SCHEMA_FILE} at the bundle root (the sparkml image reads it)")
            findings.append(Finding(name, f"{SPARKML_SCHEMA} is {len(value)} characters; SageMaker allows at most "
                                          f"{MAX_ENV_VALUE} per environment value; {way_out}"))
    return findings


# ----------------------------------------------------------------------------- images and lines


@dataclass(frozen=True)
class Target:
    """What a container runs: the catalogue entry and line (None for an unknown image URI)."""

    entry: ImageEntry | None
    line: VersionLine | None
    local_ref: str
    label: str  # as the user wrote it, for messages


def target_of(container: Container) -> Target:
    ref, runtime = local_image(container.image)
    entry = image(runtime) if runtime else None
    line = local_line(container.image)
    return Target(entry, line, ref, _image_label(container))


def _image_label(container: Container) -> str:
    img = container.image.model_dump()
    if "repo" in img:
        return f"repo:{img['repo']}" + (f" (tag {img['version']})" if img.get("version") else "")
    if "builtin" in img:
        return f"builtin:{img['builtin']}" + (f":{img['version']}" if img.get("version") else "")
    return str(img.get("uri", ""))


# ----------------------------------------------------------------------------- hand-off


def _essence(media: str) -> str:
    return media.split(";")[0].strip().lower()


def output_type(container: Container, target: Target) -> str | None:
    """The Content-Type a container answers with inside the pipeline (no Accept reaches it)."""
    if DEFAULT_ACCEPT in container.environment:
        return container.environment[DEFAULT_ACCEPT]
    return target.entry.default_accept if target.entry else None


def check_handoff(spec: PipelineSpec, targets: list[Target]) -> list[Finding]:
    findings = []
    incoming: str | None = spec.content_type
    for index, (container, target) in enumerate(zip(spec.containers, targets, strict=True)):
        entry = target.entry
        source = "the pipeline's content_type" if index == 0 else f"{spec.containers[index - 1].name}'s output"
        if entry and entry.content_types is not None and incoming is not None \
                and _essence(incoming) not in entry.content_types:
            findings.append(Finding(container.name, f"receives {incoming} ({source}) but {target.label} accepts "
                                                    f"only {', '.join(entry.content_types)}"))
        offered = output_type(container, target)
        if entry and entry.accepts is not None and offered is not None and _essence(offered) not in entry.accepts:
            findings.append(Finding(container.name, f"{DEFAULT_ACCEPT}={offered} is not a type {target.label} "
                                                    f"answers with ({', '.join(entry.accepts)})"))
        incoming = offered
    last, target = spec.containers[-1], targets[-1]
    if spec.accept and target.entry and target.entry.accepts is not None \
            and _essence(spec.accept) not in target.entry.accepts:
        findings.append(Finding(last.name, f"the pipeline's accept {spec.accept} is not offered by {target.label} "
                                           f"(it answers with {', '.join(target.entry.accepts)})"))
    return findings


# ----------------------------------------------------------------------------- artifacts


def check_layout(container: Container, target: Target) -> list[Finding]:
    """ModelDataUrl layout: an S3 tarball; a local tarball with its files at the root."""
    model = container.model
    if model is None:
        return []
    if model.is_s3:
        if not model.uri.endswith((".tar.gz", ".tgz")):
            return [Finding(container.name, f"ModelDataUrl {model.uri} is not a .tar.gz; SageMaker extracts "
                                            "model.tar.gz into /opt/ml/model")]
        return []
    path = model.path
    if not path.is_file():
        return []
    try:
        with tarfile.open(path, "r:*") as tar:
            names = [m.name.removeprefix("./") for m in tar.getmembers() if m.name not in (".", "./")]
    except (tarfile.TarError, OSError) as exc:
        return [Finding(container.name, f"{path} is not a readable tar.gz: {exc}")]
    roots = {name.rstrip("/") for name in names if "/" not in name.rstrip("/")}
    sparkml = target.entry is not None and target.entry.name == "sparkml"  # its loader finds nested bundles
    if len(roots) == 1 and not sparkml:
        (top,) = roots
        if len(names) > 1 and all(name.rstrip("/") == top or name.startswith(f"{top}/") for name in names):
            return [Finding(container.name, f"everything in {path.name} is under {top}/; SageMaker extracts it "
                                            f"into /opt/ml/model, so the model would be at /opt/ml/model/{top}/: "
                                            "package the directory's contents, not the directory")]
    return []


def _recorded_versions(model_dir: Path) -> dict[str, str]:
    path = model_dir / VERSIONS_FILE
    try:
        data = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def check_training_versions(container: Container, target: Target, model_dir: Path) -> list[Finding]:
    entry, line = target.entry, target.line
    if entry is None or line is None:
        return []
    recorded = _recorded_versions(model_dir)
    for library in entry.libraries:
        trained = recorded.get(library)
        saved = parse_minor(trained) if trained else None
        if saved is None or line.loads(saved):
            continue
        advice = _advice(entry, saved, f"{library} {trained}")
        return [Finding(container.name, f"trained with {library} {trained} ({VERSIONS_FILE}) but {target.label} "
                                        f"serves {entry.libraries[0]} {line.version}, which cannot load it; {advice}")]
    return []


def _advice(entry: ImageEntry, saved: tuple[int, int], what: str) -> str:
    fits = entry.lines_loading(saved)
    if not fits:
        return f"no {entry.name} line loads {what}"
    advice = f"use repo:{entry.name} with tag <version>-{entry.tag_suffix(fits[0])}"
    builtins = [v for fit in fits for v in fit.builtin_versions]
    if builtins and entry.stands_in_for:
        advice += f" or builtin:{entry.stands_in_for[0]}:{builtins[-1]}"
    return advice


def _docker_ready() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def _image_built(ref: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", ref], capture_output=True, check=False).returncode == 0


def load_in_image(container: Container, target: Target, model_dir: Path) -> list[Finding]:
    """``docker run IMAGE check``: the same load a worker does, in the image the spec names."""
    builtin_sparkml = container.image.model_dump().get("builtin") == "sparkml-serving"
    args = ["docker", "run", "--rm", "--network=none", "-v", f"{model_dir.resolve()}:/opt/ml/model:ro",
            "-e", "SAGEMAKER_MODEL_SERVER_WORKERS=1"]
    for key, value in container.environment.items():
        args += ["-e", f"{key}={value}"]
    command = ["check", *(["--mleap-jvm"] if builtin_sparkml else [])]
    try:
        proc = subprocess.run([*args, target.local_ref, *command], capture_output=True, text=True,
                              timeout=CHECK_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return [Finding(container.name, f"loading the model in {target.local_ref} took over {CHECK_TIMEOUT_S} s")]
    if proc.returncode == 0:
        return []
    if "unknown command 'check'" in proc.stderr:
        return [Finding(container.name, f"not loaded: {target.local_ref} predates the check command; rebuild it "
                                        "(scripts/build-images.sh)", problem=False)]
    lines = [line.removeprefix("error: ").strip() for line in proc.stderr.splitlines() if line.startswith("error:")]
    lines = lines or [(proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]]
    return [Finding(container.name, f"{target.label} ({target.local_ref}) cannot load the model: {line}")
            for line in lines]


# ----------------------------------------------------------------------------- the whole check


def check_spec(path: str | Path, *, cache_dir: Path, docker: bool = True) -> list[Finding]:
    """Every finding for the spec at ``path``; ``docker=False`` skips the in-image loads."""
    path = Path(path)
    hints = _long_schema_hints(path)
    try:
        spec = load_spec(path, check_files=False)
    except SpecError as exc:
        hinted = {h.container for h in hints}
        problems = [Finding("", f"{loc}: {msg}" if loc else msg) for loc, msg in exc.problems
                    if not (SPARKML_SCHEMA in loc and hinted)]
        return hints + problems
    findings = list(hints)
    targets = [target_of(c) for c in spec.containers]
    findings += check_handoff(spec, targets)
    can_run = docker and _docker_ready()
    for container, target in zip(spec.containers, targets, strict=True):
        findings += check_layout(container, target)
        if container.model is None:
            continue
        if container.model.is_s3:
            findings.append(Finding(container.name, f"{container.model.uri} is on S3: not loaded here "
                                                    "(the check makes no AWS call)", problem=False))
            continue
        if not container.model.path.exists():
            findings.append(Finding(container.name, f"{container.model.path} does not exist", problem=True))
            continue
        try:
            model_dir = model_dir_for(container.model.path, cache_dir)
        except (ValueError, OSError) as exc:
            findings.append(Finding(container.name, f"cannot extract {container.model.path}: {exc}"))
            continue
        version_findings = check_training_versions(container, target, model_dir)
        findings += version_findings
        if version_findings or target.entry is None:
            continue  # the load would fail for the reason already given; an unknown image has no check
        if not can_run:
            findings.append(Finding(container.name, "not loaded in its image: no Docker engine", problem=False))
        elif not _image_built(target.local_ref):
            findings.append(Finding(container.name, f"not loaded: {target.local_ref} is not built "
                                                    "(scripts/build-images.sh)", problem=False))
        else:
            findings += load_in_image(container, target, model_dir)
    return findings
