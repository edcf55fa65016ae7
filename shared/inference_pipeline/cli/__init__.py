"""``inference-pipeline``: one command for building, running locally and deploying pipelines.

Exit codes (every command):

* ``0`` success
* ``1`` runtime failure (an AWS call, Docker, a container, the network)
* ``2`` usage or validation error (bad option, invalid pipeline spec, unknown image/region)

Each area lives in its own sub-module that adds commands to the shared ``app`` from
``_app``; registering an area is one import line below.
"""

# Command areas (one import each registers its commands on ``app``).
from inference_pipeline.cli import (
    aws,  # noqa: E402,F401  render, deploy, delete, image-uri
    build,  # noqa: E402,F401  build, push
    check,  # noqa: E402,F401  check
    local,  # noqa: E402,F401  up, down, logs, invoke, transform
    mleap,  # noqa: E402,F401  export-mleap
)
from inference_pipeline.cli._app import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "app", "main"]


def main() -> None:
    app()
