"""Build bake targets with host networking, whatever the installed buildx supports.

``docker buildx bake`` is the way to build in CodeBuild. Locally, older buildx releases
(Debian's 0.13) ignore a target's ``network`` attribute and run ``RUN`` steps on Docker's
default bridge, which some networks forbid. So local builds resolve the definitions with
``docker buildx bake --print`` and run one ``docker buildx build --network=host`` per target,
in dependency order, turning ``target:<name>`` contexts into the already-built local image.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path


class BakeError(RuntimeError):
    """A bake definition could not be resolved or a build failed."""


@dataclass
class BakeTarget:
    name: str
    context: str
    dockerfile: str
    tags: list[str] = field(default_factory=list)
    args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    contexts: dict[str, str] = field(default_factory=dict)

    @property
    def depends_on(self) -> list[str]:
        return [ref.removeprefix("target:") for ref in self.contexts.values() if ref.startswith("target:")]


def bake_print(targets: Iterable[str] = (), *, cwd: Path | None = None, env: dict[str, str] | None = None) -> dict:
    """The resolved bake definition (``docker buildx bake --print``) as a dict."""
    proc = subprocess.run(["docker", "buildx", "bake", "--print", *targets], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, check=False)
    if proc.returncode != 0:
        raise BakeError(f"docker buildx bake --print failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def plan(definition: dict) -> list[BakeTarget]:
    """Targets in build order (dependencies first)."""
    raw = definition.get("target", {})
    targets = {name: BakeTarget(name=name, context=spec.get("context", "."),
                                dockerfile=spec.get("dockerfile", "Dockerfile"), tags=spec.get("tags", []),
                                args=spec.get("args", {}), labels=spec.get("labels", {}),
                                contexts=spec.get("contexts", {}))
               for name, spec in raw.items()}
    ordered: list[BakeTarget] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if any(t.name == name for t in ordered):
            return
        if name in visiting:
            raise BakeError(f"bake targets depend on each other in a cycle through {name}")
        if name not in targets:
            raise BakeError(f"context refers to unknown bake target {name}")
        visiting.add(name)
        for dep in targets[name].depends_on:
            visit(dep)
        visiting.discard(name)
        ordered.append(targets[name])

    for name in sorted(targets):
        visit(name)
    return ordered


def build_command(target: BakeTarget, built: dict[str, BakeTarget], *, network: str = "host") -> list[str]:
    cmd = ["docker", "buildx", "build", "--load", f"--network={network}", "-f", target.dockerfile]
    for key, value in sorted(target.args.items()):
        cmd += ["--build-arg", f"{key}={value}"]
    for key, value in sorted(target.labels.items()):
        cmd += ["--label", f"{key}={value}"]
    for tag in target.tags:
        cmd += ["-t", tag]
    for name, ref in sorted(target.contexts.items()):
        if ref.startswith("target:"):
            dep = built[ref.removeprefix("target:")]
            if not dep.tags:
                raise BakeError(f"target {dep.name} needs a tag to be used as the {name!r} context")
            ref = f"docker-image://{dep.tags[0]}"
        cmd += ["--build-context", f"{name}={ref}"]
    return [*cmd, target.context]


def _pinned(dep: BakeTarget) -> BakeTarget:
    """``dep`` with a first tag unique to the image just built.

    buildx resolves a ``docker-image://<tag>`` build context from its own cache by name, so a
    rebuilt base under the same tag was silently replaced by the previous one (images then
    "built" in a second on the old base). A tag derived from the image id cannot be stale.
    """
    image_id = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", dep.tags[0]],
                              capture_output=True, text=True, check=True).stdout.strip()
    repository = dep.tags[0].rsplit(":", 1)[0]
    unique = f"{repository}:build-{image_id.removeprefix('sha256:')[:16]}"
    subprocess.run(["docker", "tag", dep.tags[0], unique], capture_output=True, check=True)
    return replace(dep, tags=[unique, *dep.tags])


def _run_build(target: BakeTarget, built: dict[str, BakeTarget], *, cwd: Path | None, env: dict[str, str] | None,
               network: str, quiet: bool) -> float:
    started = time.monotonic()
    built = {**built, **{name: _pinned(built[name]) for name in target.depends_on}}
    proc = subprocess.run(build_command(target, built, network=network), cwd=cwd,
                          env={**os.environ, **(env or {})}, check=False,
                          capture_output=quiet, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or "").splitlines()[-30:]) if quiet else ""
        raise BakeError(f"building {target.name} ({target.dockerfile}) failed with exit {proc.returncode}"
                        + (f"\n{tail}" if tail else ""))
    return time.monotonic() - started


def build(targets: Iterable[str] = (), *, cwd: Path | None = None, env: dict[str, str] | None = None,
          network: str = "host", on_start: Callable[[BakeTarget], None] | None = None,
          on_done: Callable[[BakeTarget, float], None] | None = None, jobs: int = 1) -> list[BakeTarget]:
    """Build the given targets/groups (default group when empty) with host networking.

    With ``jobs`` > 1, targets whose dependencies are built run side by side (the version lines
    of an image share the base layers and spend most of their time downloading wheels), and
    each build's log is kept back and shown only when it fails.
    """
    ordered = plan(bake_print(targets, cwd=cwd, env=env))
    built: dict[str, BakeTarget] = {}
    pending = list(ordered)
    quiet = jobs > 1
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        running: dict[Future[float], BakeTarget] = {}
        while pending or running:
            for target in [t for t in pending if all(dep in built for dep in t.depends_on)]:
                if len(running) >= max(1, jobs):
                    break
                pending.remove(target)
                if on_start:
                    on_start(target)
                running[pool.submit(_run_build, target, dict(built), cwd=cwd, env=env, network=network,
                                    quiet=quiet)] = target
            if not running:
                raise BakeError(f"cannot order {', '.join(t.name for t in pending)}")
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                target = running.pop(future)
                seconds = future.result()  # raises BakeError; the pool waits for the others
                built[target.name] = target
                if on_done:
                    on_done(target, seconds)
    return ordered


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    # Two builds at a time by default: CI has two cores, and most of a build is waiting on wheels.
    jobs = int(os.environ.get("INFERENCE_PIPELINE_BUILD_JOBS", "2"))
    started = time.monotonic()
    try:
        build(args, jobs=jobs,
              on_start=lambda t: print(f"[bake] building {t.name} -> {', '.join(t.tags)}", file=sys.stderr,
                                       flush=True),
              on_done=lambda t, s: print(f"[bake] built {t.name} in {s:.1f} s", file=sys.stderr, flush=True))
    except BakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"[bake] all targets built in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
