"""The image catalogue: every image this project builds, in one place.

Each entry ties an image name to the runtime class its ``serve`` runs, the Dockerfile that
builds it, and the SageMaker built-in images it stands in for locally. The runtime registry
(``runtimes``), the spec's ``repo:`` images and ECR URIs (``spec.images``), the local simulator's
stand-ins (``pipeline.local``), the build tools and a test of ``docker-bake.hcl`` all read this
module, so adding an image is one entry here plus its Dockerfile and runtime package.

This module sits at the bottom of the dependency graph: it imports nothing of the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The project's name: local image repositories (``inference-pipeline/<image>``), the ECR
#: repository prefix and the default S3 key prefix of uploaded artifacts.
PROJECT_NAME = "inference-pipeline"
REPOSITORY_PREFIX = PROJECT_NAME


@dataclass(frozen=True)
class VersionLine:
    """One framework version an image is built for (one bake target, one pinned requirements file).

    AWS ships one image per framework version; so do we, because no single XGBoost (or
    scikit-learn) reads everything older ones wrote. ``saved_range`` is the span of library
    versions (major, minor) whose saved models this line loads; ``formats`` lists extra
    abilities a runtime checks (xgboost: ``legacy-binary``).
    """

    #: ``major.minor`` of the library, e.g. ``"1.7"``.
    line: str
    #: The exact pinned library version installed in the image.
    version: str
    default: bool = False
    saved_range: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (999, 999))
    formats: tuple[str, ...] = ()
    #: SageMaker built-in versions (``builtin:<name>:<version>``) this line stands in for locally.
    builtin_versions: tuple[str, ...] = ()

    @property
    def minor(self) -> tuple[int, int]:
        major, minor = self.line.split(".")
        return int(major), int(minor)

    def loads(self, saved: tuple[int, int]) -> bool:
        low, high = self.saved_range
        return low <= saved <= high


@dataclass(frozen=True)
class ImageEntry:
    name: str
    #: ``module:Class`` of the runtime the image's ``serve`` runs.
    runtime: str
    #: SageMaker built-in image names (as in ``builtin:<name>``) this image simulates locally.
    stands_in_for: tuple[str, ...] = ()
    #: Request types the runtime accepts (None: any, the script decides); checked against the
    #: runtime classes by a test, so ``pipeline.check`` can reason about hand-offs without
    #: importing runtimes.
    content_types: tuple[str, ...] | None = None
    #: Response types it offers (None: any, the script decides).
    accepts: tuple[str, ...] | None = None
    #: Response type without Accept (overridden by ``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT``).
    default_accept: str = "application/json"
    #: Distributions whose version picks the line, as ``training-versions.json`` may name them
    #: (the first is the name shown in messages).
    libraries: tuple[str, ...] = ()
    version_lines: tuple[VersionLine, ...] = ()

    @property
    def dockerfile(self) -> str:
        """Path of the image's Dockerfile, relative to the repository root."""
        return f"images/{self.name}/Dockerfile"

    @property
    def default_line(self) -> VersionLine | None:
        return next((line for line in self.version_lines if line.default), None)

    def line(self, line: str) -> VersionLine:
        for candidate in self.version_lines:
            if candidate.line == line:
                return candidate
        known = ", ".join(v.line for v in self.version_lines) or "none"
        raise KeyError(f"image {self.name!r} has no version line {line!r}; its lines: {known}")

    def line_of_version(self, version: str) -> VersionLine | None:
        """The line whose pinned library has ``version``'s major.minor (the one running, in an image)."""
        saved = parse_minor(version)
        return next((v for v in self.version_lines if saved is not None and v.minor == saved), None)

    def lines_loading(self, saved: tuple[int, int], fmt: str | None = None) -> list[VersionLine]:
        """Lines that load a model saved by library ``saved`` (and in ``fmt``), best first:
        the default line, then newer lines before older ones."""
        fitting = [v for v in self.version_lines if v.loads(saved) and (fmt is None or fmt in v.formats)]
        return sorted(fitting, key=lambda v: (not v.default, tuple(-part for part in v.minor)))

    def tag_suffix(self, line: VersionLine) -> str:
        """``xgboost1.7``: the part of a line's tags that names it (``:<version>-xgboost1.7``)."""
        return f"{self.name}{line.line}"

    def target_name(self, line: VersionLine) -> str:
        """bake target of a line: the image's own name for the default line, else ``xgboost-1-7``."""
        return self.name if line.default else f"{self.name}-{line.line.replace('.', '-')}"

    def line_tag(self, line: VersionLine, version: str) -> str:
        """The tag that selects ``line`` at project ``version`` (e.g. ``0.1.0-xgboost1.7``)."""
        return f"{version}-{self.tag_suffix(line)}"


def parse_minor(version: str) -> tuple[int, int] | None:
    """``"1.7.6"`` / ``"1.2-1"`` / ``"0.90"`` → (1, 7) / (1, 2) / (0, 90); None when unreadable."""
    match = re.match(r"\s*(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else None


_CSV, _JSON, _JSONLINES = "text/csv", "application/json", "application/jsonlines"
_RECORDIO, _LIBSVM = "application/x-recordio-protobuf", "text/libsvm"
_XGBOOST_1 = tuple(f"{v}" for v in ("1", "0.90-1", "0.90-2", "1.0-1", "1.2-1", "1.2-2", "1.3-1", "1.5-1", "1.7-1"))

IMAGES: tuple[ImageEntry, ...] = (
    ImageEntry("sklearn", "inference_pipeline.runtimes.sklearn.runtime:SklearnRuntime", ("sklearn",),
               libraries=("scikit-learn",),
               # scikit-learn only promises that a pickle loads in the version that wrote it.
               version_lines=(
                   VersionLine("1.2", "1.2.2", saved_range=((1, 2), (1, 2)), builtin_versions=("1.2-1",)),
                   VersionLine("1.6", "1.6.1", saved_range=((1, 6), (1, 6))),
                   VersionLine("1.9", "1.9.1", default=True, saved_range=((1, 9), (1, 9))),
               )),
    ImageEntry("sparkml", "inference_pipeline.runtimes.sparkml.runtime:SparkMLRuntime", ("sparkml-serving",),
               content_types=(_CSV, _JSON, _JSONLINES), accepts=(_CSV, _JSONLINES), default_accept=_CSV),
    ImageEntry("postprocessing", "inference_pipeline.runtimes.postprocessing.runtime:PostprocessingRuntime",
               default_accept=_CSV),
    ImageEntry("xgboost", "inference_pipeline.runtimes.xgboost.runtime:XGBoostRuntime", ("xgboost",),
               content_types=(_CSV, _LIBSVM, _RECORDIO, "csv", "libsvm", _JSON, _JSONLINES),
               accepts=(_CSV, _JSON, _JSONLINES, _RECORDIO), default_accept=_CSV,
               libraries=("xgboost", "xgboost-cpu"),
               version_lines=(
                   # Reads everything SageMaker XGBoost 1.x training wrote: legacy binary, 1.x pickles.
                   VersionLine("1.7", "1.7.6", saved_range=((0, 0), (1, 7)),
                               formats=("legacy-binary", "pickle-1.x"), builtin_versions=_XGBOOST_1),
                   # The last line that still reads the legacy binary format.
                   VersionLine("3.0", "3.0.5", saved_range=((0, 0), (3, 0)), formats=("legacy-binary",),
                               builtin_versions=("3.0-5",)),
                   VersionLine("3.2", "3.2.0", default=True, saved_range=((0, 0), (3, 2))),
               )),
    ImageEntry("linear-learner", "inference_pipeline.runtimes.linear_learner.runtime:LinearLearnerRuntime",
               ("linear-learner",), content_types=(_CSV, _JSON, _JSONLINES, _RECORDIO),
               accepts=(_JSON, _JSONLINES, _CSV, _RECORDIO), default_accept=_JSON),
    ImageEntry("blazingtext", "inference_pipeline.runtimes.blazingtext.runtime:BlazingTextRuntime", ("blazingtext",),
               content_types=(_JSON, _JSONLINES), accepts=(_JSON, _JSONLINES), default_accept=_JSON),
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


def stand_in_line(builtin: str, version: str | None) -> tuple[ImageEntry, VersionLine | None]:
    """The project image (and its version line) that runs ``builtin:<builtin>:<version>`` locally:
    the line that lists the version, else the line of the same library minor, else the default."""
    entry = image(stand_ins()[builtin])
    if not entry.version_lines:
        return entry, None
    if version is not None:
        for line in entry.version_lines:
            if version in line.builtin_versions:
                return entry, line
        wanted = parse_minor(version)
        for line in entry.version_lines:
            if wanted is not None and line.minor == wanted:
                return entry, line
    return entry, entry.default_line


def bake_targets() -> list[str]:
    """Every bake target of the images, in catalogue order (what docker-bake.hcl's default group builds)."""
    names: list[str] = []
    for entry in IMAGES:
        if not entry.version_lines:
            names.append(entry.name)
        for line in entry.version_lines:
            names.append(entry.target_name(line))
    return names
