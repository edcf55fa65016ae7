"""Image commands: build (docker-bake.hcl with host networking) and push to a registry."""

from __future__ import annotations

from typing import Annotated

import typer

from inference_pipeline.build.bake import BakeError, build
from inference_pipeline.build.images import image_names, repo_root
from inference_pipeline.build.push import PushError, push_images
from inference_pipeline.cli._app import app, cli_errors, console, progress

_USAGE = (ValueError,)
_RUNTIME = (BakeError, PushError, OSError)


@app.command("build")
def build_command(
    targets: Annotated[list[str] | None, typer.Argument(help="Bake targets or groups (default: every image).")] = None,
    base_image: Annotated[str | None, typer.Option("--base-image", help="BASE_IMAGE for every Dockerfile.")] = None,
) -> None:
    """Build the images from docker-bake.hcl, each with --network=host."""
    env = {"BASE_IMAGE": base_image} if base_image else None
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        built = build(targets or [], cwd=repo_root(), env=env,
                      on_start=lambda t: progress(f"building {t.name} ({t.tags[0] if t.tags else 'untagged'})"))
    console.print(f"[green]built[/] {', '.join(t.name for t in built)}", highlight=False)


@app.command("push")
def push_command(
    registry: Annotated[str, typer.Argument(help="Registry host[:port][/path], e.g. an ECR registry.")],
    images: Annotated[list[str] | None, typer.Option("--image", help="Image name (repeatable; default: all).")] = None,
    tags: Annotated[list[str] | None, typer.Option("--tag", help="Tag to push (repeatable; default: latest).")] = None,
    source_tag: Annotated[str, typer.Option("--source-tag", help="Local tag to push from.")] = "latest",
) -> None:
    """Tag the locally built images for REGISTRY and push them (log in first, e.g. aws ecr get-login-password)."""
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        names = images or image_names()
        pushed = push_images(names, registry, tags=tags or ["latest"], source_tag=source_tag,
                             on_push=lambda ref: progress(f"pushing {ref}"))
    for image in pushed:
        console.print(f"{image.name:<16} {image.uri} {image.digest}", highlight=False)
