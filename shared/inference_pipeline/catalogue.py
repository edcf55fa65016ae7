"""The image catalogue: every image this project builds, in one place.

Each entry ties an image name to the runtime class its ``serve`` runs, the Dockerfile that
builds it, and the SageMaker built-in images it stands in for locally. The runtime registry
(``runtimes``), the spec's ``repo:`` images and ECR URIs (``spec.images``), the local simulator's
stand-ins (``pipeline.local``), the build tools and a test of ``docker-bake.hcl`` all read this
module, so adding an image is one entry here plus its Dockerfile and runtime package.

This module sits at the bottom of the dependency graph: it imports nothing of the project.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The project's name: local image repositories (``inference-pipeline/<image>``), the ECR
#: repository prefix and the default S3 key prefix of uploaded artifacts.
PROJECT_NAME = "inference-pipeline"
REPOSITORY_PREFIX = PROJECT_NAME


@dataclass(frozen=True)
class ImageEntry:
    name: str
    #: ``module:Class`` of the runtime the image's ``serve`` runs.
    runtime: str
    #: SageMaker built-in image names (as in ``builtin:<name>``) this image simulates locally.
    stands_in_for: tuple[str, ...] = ()

    @property
    def dockerfile(self) -> str:
        """Path of the image's Dockerfile, relative to the repository root."""
        return f"images/{self.name}/Dockerfile"


IMAGES: tuple[ImageEntry, ...] = (
    ImageEntry("sklearn", "inference_pipeline.runtimes.sklearn.runtime:SklearnRuntime", ("sklearn",)),
    ImageEntry("sparkml", "inference_pipeline.runtimes.sparkml.runtime:SparkMLRuntime", ("sparkml-serving",)),
    ImageEntry("postprocessing", "inference_pipeline.runtimes.postprocessing.runtime:PostprocessingRuntime"),
    ImageEntry("xgboost", "inference_pipeline.runtimes.xgboost.runtime:XGBoostRuntime", ("xgboost",)),
    ImageEntry("linear-learner", "inference_pipeline.runtimes.linear_learner.runtime:LinearLearnerRuntime",
               ("linear-learner",)),
    ImageEntry("blazingtext", "inference_pipeline.runtimes.blazingtext.runtime:BlazingTextRuntime", ("blazingtext",)),
)

IMAGE_NAMES: tuple[str, ...] = tuple(entry.name for entry in IMAGES)


def image(name: str) -> ImageEntry:
    for entry in IMAGES:
        if entry.name == name:
            return entry
    raise KeyError(f"unknown image {name!r}; choose one of {', '.join(IMAGE_NAMES)}")


def stand_ins() -> dict[str, str]:
    """SageMaker built-in image name → the project image that simulates it locally."""
    return {builtin: entry.name for entry in IMAGES for builtin in entry.stands_in_for}
