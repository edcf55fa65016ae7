"""The pipeline spec: one YAML/JSON file describing a SageMaker serial inference pipeline.

The spec is the single source for the local simulator, the CreateModel/endpoint/transform
request renderer and the deployer. Limits mirror SageMaker's API model so that a spec that
loads here is accepted by the service; errors name the offending field, e.g.
``containers[1].environment.SAGEMAKER_X: String should have at most 1024 characters``.

Example::

    name: abalone-pipeline
    role: arn:aws:iam::123456789012:role/SageMakerRole
    region: us-east-1
    registry: {account: "123456789012"}          # for images of this repo ({repo: ...})
    content_type: text/csv
    accept: application/json
    containers:
      - name: featurizer
        image: {repo: sklearn}                   # or the shorthand "repo:sklearn"
        model: ./featurizer                      # directory, model.tar.gz or s3:// URL
        environment: {SAGEMAKER_PROGRAM: featurizer.py}
      - name: regressor
        image: {builtin: linear-learner, version: "1"}   # or "builtin:linear-learner:1"
        model: s3://my-bucket/ll/model.tar.gz
    mode: Serial                                 # or Direct: each request names its container
    endpoint:
      variants:
        - {instance_type: ml.m5.large, initial_instance_count: 1,
           autoscaling: {min_capacity: 1, max_capacity: 4, target_invocations_per_instance: 100}}
      data_capture: {destination: s3://my-bucket/capture, sampling_percentage: 20}
    transform: {instance_type: ml.m5.xlarge, split_type: Line, assemble_with: Line}
    tags: {team: ml}

Image strings: ``repo:<name>`` and ``builtin:<name>[:<version>]`` are shorthands; any other
string is used verbatim as the image (a local tag or a registry URI).
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from inference_pipeline.spec.images import (
    DEFAULT_REPOSITORY_PREFIX,
    PROJECT_IMAGES,
    builtin_image_names,
    builtin_versions,
)

# Limits from the SageMaker API model (botocore sagemaker/2017-07-24).
MIN_CONTAINERS = 2
MAX_CONTAINERS = 15
MAX_ENV_ENTRIES = 100
MAX_ENV_VALUE = 1024
MAX_ENV_TOTAL_BYTES = 32 * 1024  # keys + values, per container and across all containers
MAX_TRANSFORM_ENV_ENTRIES = 16
MAX_TRANSFORM_ENV_VALUE = 10240
MAX_TAGS = 50
NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"  # ContainerHostname, ModelName, EndpointName, VariantName
ROLE_ARN_PATTERN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"
DATA_PROCESSING_TYPES = frozenset({"text/csv", "application/json", "application/jsonlines"})

ResourceName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=63)]
MediaType = Annotated[
    str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+*-]+(\s*;.*)?$", max_length=256, strip_whitespace=True)
]
JsonPath = Annotated[str, StringConstraints(min_length=1, max_length=63)]


def _scalar_to_str(value: Any) -> Any:
    """YAML turns ``WORKERS: 2`` into an int; SageMaker wants strings, so accept plain scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


EnvKey = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$", max_length=1024)]
EnvValue = Annotated[str, StringConstraints(max_length=MAX_ENV_VALUE), BeforeValidator(_scalar_to_str)]
TransformEnvValue = Annotated[
    str, StringConstraints(max_length=MAX_TRANSFORM_ENV_VALUE), BeforeValidator(_scalar_to_str)
]


def env_size(env: dict[str, str]) -> int:
    """Bytes SageMaker counts against the 32 KB environment limit (keys + values)."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in env.items())


def _at_most(items: dict[str, str], limit: int, what: str, api: str = "SageMaker") -> dict[str, str]:
    if len(items) > limit:
        raise ValueError(f"{len(items)} {what}; {api} allows at most {limit}")
    return items


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------- images


class ProjectImage(_Model):
    """One of this repository's images, pushed to the account in ``registry``."""

    repo: Literal[PROJECT_IMAGES]  # type: ignore[valid-type]
    version: str | None = Field(default=None, description="image tag; defaults to registry.version")


class BuiltinImage(_Model):
    """A SageMaker-provided image (``builtin_image_uri``)."""

    builtin: str
    version: str | None = None

    @field_validator("builtin")
    @classmethod
    def _known(cls, value: str) -> str:
        names = builtin_image_names()
        if value not in names:
            raise ValueError(f"unknown built-in image {value!r}; choose one of: {', '.join(names)}")
        return value

    @model_validator(mode="after")
    def _known_version(self) -> BuiltinImage:
        if self.version is not None and self.version not in builtin_versions(self.builtin):
            raise ValueError(
                f"unknown version {self.version!r} of built-in image {self.builtin!r}; "
                f"choose one of: {', '.join(builtin_versions(self.builtin))}"
            )
        return self


class ImageUri(_Model):
    """An image used verbatim: a local tag (local runs) or a registry URI."""

    uri: Annotated[str, StringConstraints(pattern=r"^\S+$", max_length=255)]


def _image_from_string(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value.startswith("repo:"):
        return {"repo": value.removeprefix("repo:")}
    if value.startswith("builtin:"):
        name, _, version = value.removeprefix("builtin:").partition(":")
        return {"builtin": name, "version": version or None}
    return {"uri": value}


def _image_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return {ProjectImage: "repo", BuiltinImage: "builtin", ImageUri: "uri"}.get(type(value))
    if isinstance(value, dict):
        kinds = [k for k in ("repo", "builtin", "uri") if k in value]
        return kinds[0] if len(kinds) == 1 else None
    return None


ImageRef = Annotated[
    Annotated[ProjectImage, Tag("repo")] | Annotated[BuiltinImage, Tag("builtin")] | Annotated[ImageUri, Tag("uri")],
    Discriminator(
        _image_kind,
        custom_error_type="image_ref",
        custom_error_message="image must be a string or a mapping with exactly one of 'repo', 'builtin', 'uri'",
    ),
    BeforeValidator(_image_from_string),
]


# ----------------------------------------------------------------------------- model artifacts

_S3_URL = re.compile(r"^s3://([^/]+)/(.+)$")
_TARBALL_SUFFIXES = (".tar.gz", ".tgz")


class ModelArtifact(_Model):
    """Where a container's model comes from: an ``s3://`` URL, a local directory or tarball.

    Local paths are stored absolute (relative ones are resolved against the spec file).
    """

    uri: str

    @property
    def is_s3(self) -> bool:
        return self.uri.startswith("s3://")

    @property
    def path(self) -> Path:
        if self.is_s3:
            raise ValueError(f"{self.uri} is an S3 URL, not a local path")
        return Path(self.uri)


def _artifact(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, str):
        return value
    context = info.context or {}
    if value.startswith("s3://"):
        if not _S3_URL.match(value) or len(value) > 1024:
            raise ValueError(f"invalid S3 URL {value!r} (expected s3://bucket/key, at most 1024 characters)")
        return {"uri": value}
    if "://" in value:
        raise ValueError(f"unsupported model location {value!r}: use a local path or an s3:// URL")
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = Path(context.get("base_dir", Path.cwd())) / path
    path = path.resolve()
    if context.get("check_files"):
        if not path.exists():
            raise ValueError(f"no such file or directory: {path}")
        if path.is_file() and not path.name.endswith(_TARBALL_SUFFIXES):
            raise ValueError(f"{path} is a file but not a .tar.gz archive; give a directory or a model.tar.gz")
    return {"uri": str(path)}


# ----------------------------------------------------------------------------- containers


class Container(_Model):
    name: ResourceName = Field(description="ContainerHostname; unique in the pipeline")
    image: ImageRef
    model: ModelArtifact | None = None
    environment: dict[EnvKey, EnvValue] = Field(default_factory=dict)

    _artifact = field_validator("model", mode="before")(_artifact)

    @field_validator("environment")
    @classmethod
    def _env_limits(cls, env: dict[str, str]) -> dict[str, str]:
        _at_most(env, MAX_ENV_ENTRIES, "entries")
        if (size := env_size(env)) > MAX_ENV_TOTAL_BYTES:
            raise ValueError(f"keys and values total {size} bytes; SageMaker allows at most {MAX_ENV_TOTAL_BYTES}")
        return env


# ----------------------------------------------------------------------------- endpoint


class Autoscaling(_Model):
    """Target tracking on ``SageMakerVariantInvocationsPerInstance``."""

    min_capacity: int = Field(default=1, ge=1)
    max_capacity: int = Field(ge=1)
    target_invocations_per_instance: float = Field(gt=0)
    scale_in_cooldown: int = Field(default=300, ge=0)
    scale_out_cooldown: int = Field(default=60, ge=0)
    disable_scale_in: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> Autoscaling:
        if self.min_capacity > self.max_capacity:
            raise ValueError(f"min_capacity ({self.min_capacity}) exceeds max_capacity ({self.max_capacity})")
        return self


class Variant(_Model):
    name: ResourceName = "AllTraffic"
    instance_type: Annotated[str, StringConstraints(pattern=r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")] = "ml.m5.large"
    initial_instance_count: int = Field(default=1, ge=1)
    initial_variant_weight: float = Field(default=1.0, ge=0)
    container_startup_health_check_timeout: int | None = Field(default=None, ge=60, le=3600)
    model_data_download_timeout: int | None = Field(default=None, ge=60, le=3600)
    autoscaling: Autoscaling | None = None


CaptureContentType = Annotated[
    str, StringConstraints(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*/[a-zA-Z0-9](-*[a-zA-Z0-9.])*$", max_length=256)
]


CaptureMode = Literal["Input", "Output"]
CAPTURE_MODES: tuple[CaptureMode, ...] = ("Input", "Output")


def _capture_destination(value: Any, info: ValidationInfo) -> Any:
    """An s3:// URL (deploy) or a local directory (the simulator), resolved against the spec's folder."""
    if not isinstance(value, str) or value.startswith("s3://"):
        if isinstance(value, str) and (not re.match(r"^s3://[^/]+/?.*$", value) or len(value) > 512):
            raise ValueError(f"invalid S3 URL {value!r} (expected s3://bucket/prefix, at most 512 characters)")
        return value
    if "://" in value:
        raise ValueError(f"unsupported capture destination {value!r}: use an s3:// URL or a local directory")
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = Path((info.context or {}).get("base_dir", Path.cwd())) / path
    return str(path.resolve())


class DataCaptureSection(_Model):
    """SageMaker's DataCaptureConfig: which requests/responses the endpoint records, and where."""

    destination: str = Field(description="s3://bucket/prefix, or a local directory for the simulator")
    sampling_percentage: int = Field(default=100, ge=0, le=100, description="InitialSamplingPercentage")
    capture: list[CaptureMode] = Field(default_factory=lambda: list(CAPTURE_MODES), min_length=1, max_length=2)
    csv_content_types: list[CaptureContentType] = Field(default_factory=lambda: ["text/csv"], min_length=1,
                                                        max_length=10)
    json_content_types: list[CaptureContentType] = Field(default_factory=lambda: ["application/json"],
                                                         min_length=1, max_length=10)
    enable_capture: bool = True
    kms_key_id: Annotated[str, StringConstraints(max_length=2048)] | None = None

    _destination = field_validator("destination", mode="before")(_capture_destination)

    @field_validator("capture")
    @classmethod
    def _unique_modes(cls, modes: list[str]) -> list[str]:
        _check_unique(modes, "capture mode")
        return modes

    @property
    def is_s3(self) -> bool:
        return self.destination.startswith("s3://")


class EndpointSection(_Model):
    name: ResourceName | None = Field(default=None, description="defaults to the pipeline name")
    variants: list[Variant] = Field(default_factory=lambda: [Variant()], min_length=1, max_length=10)
    data_capture: DataCaptureSection | None = None

    @field_validator("variants")
    @classmethod
    def _unique(cls, variants: list[Variant]) -> list[Variant]:
        _check_unique([v.name for v in variants], "variant")
        if sum(v.initial_variant_weight for v in variants) <= 0:
            raise ValueError("every variant has initial_variant_weight 0; at least one must receive traffic")
        return variants


# ----------------------------------------------------------------------------- batch transform


class DataProcessing(_Model):
    input_filter: JsonPath | None = None
    output_filter: JsonPath | None = None
    join_source: Literal["None", "Input"] | None = None


class ModelClientConfig(_Model):
    invocations_timeout_in_seconds: int | None = Field(default=None, ge=1, le=3600)
    invocations_max_retries: int | None = Field(default=None, ge=0, le=3)


class TransformSection(_Model):
    instance_type: Annotated[str, StringConstraints(pattern=r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")] = "ml.m5.large"
    instance_count: int = Field(default=1, ge=1)
    max_concurrent_transforms: int | None = Field(default=None, ge=0)
    max_payload_in_mb: int | None = Field(default=None, ge=0, le=100)
    batch_strategy: Literal["MultiRecord", "SingleRecord"] | None = None
    split_type: Literal["None", "Line", "RecordIO", "TFRecord"] | None = None
    assemble_with: Literal["None", "Line"] | None = None
    compression_type: Literal["None", "Gzip"] | None = None
    s3_data_type: Literal["S3Prefix", "ManifestFile"] = "S3Prefix"
    content_type: MediaType | None = Field(default=None, description="defaults to the pipeline content_type")
    accept: MediaType | None = Field(default=None, description="defaults to the pipeline accept")
    data_processing: DataProcessing | None = None
    model_client_config: ModelClientConfig | None = None
    environment: dict[EnvKey, TransformEnvValue] = Field(default_factory=dict)

    @field_validator("environment")
    @classmethod
    def _env_limits(cls, env: dict[str, str]) -> dict[str, str]:
        return _at_most(env, MAX_TRANSFORM_ENV_ENTRIES, "entries", api="CreateTransformJob")

    @model_validator(mode="after")
    def _payload_budget(self) -> TransformSection:
        # Documented service constraint: MaxConcurrentTransforms * MaxPayloadInMB <= 100.
        mct, mpl = self.max_concurrent_transforms, self.max_payload_in_mb
        if mct and mpl and mct * mpl > 100:
            raise ValueError(
                f"max_concurrent_transforms * max_payload_in_mb = {mct * mpl}; SageMaker allows at most 100"
            )
        return self


# ----------------------------------------------------------------------------- the pipeline


def package_version() -> str:
    try:
        return metadata.version("inference-pipeline")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "latest"


class ProjectRegistry(_Model):
    """Where this repository's images are pushed (ECR in ``account``)."""

    account: Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
    repository_prefix: str = DEFAULT_REPOSITORY_PREFIX
    version: str = Field(default_factory=package_version, description="default image tag")


class PipelineSpec(_Model):
    name: ResourceName = Field(description="model name; also endpoint name unless endpoint.name is set")
    role: Annotated[str, StringConstraints(pattern=ROLE_ARN_PATTERN, min_length=20, max_length=2048)] | None = None
    region: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] | None = None
    registry: ProjectRegistry | None = None
    content_type: MediaType = "text/csv"
    accept: MediaType | None = None
    mode: Literal["Serial", "Direct"] = Field(
        default="Serial", description="InferenceExecutionConfig.Mode: containers in series, or each on its own"
    )
    containers: list[Container] = Field(min_length=MIN_CONTAINERS, max_length=MAX_CONTAINERS)
    endpoint: EndpointSection = Field(default_factory=EndpointSection)
    transform: TransformSection = Field(default_factory=TransformSection)
    tags: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=128)],
        Annotated[str, StringConstraints(max_length=256), BeforeValidator(_scalar_to_str)],
    ] = Field(default_factory=dict)

    _source: Path | None = PrivateAttr(default=None)

    @field_validator("containers")
    @classmethod
    def _containers(cls, containers: list[Container]) -> list[Container]:
        _check_unique([c.name for c in containers], "container")
        total = sum(env_size(c.environment) for c in containers)
        if total > MAX_ENV_TOTAL_BYTES:
            raise ValueError(
                f"environment keys and values of all containers total {total} bytes; "
                f"SageMaker allows at most {MAX_ENV_TOTAL_BYTES}"
            )
        return containers

    @field_validator("tags")
    @classmethod
    def _tag_count(cls, tags: dict[str, str]) -> dict[str, str]:
        return _at_most(tags, MAX_TAGS, "tags")

    @model_validator(mode="after")
    def _data_processing_types(self) -> PipelineSpec:
        if self.transform.data_processing is None:
            return self
        for label, media in (("content_type", self.transform_content_type), ("accept", self.transform_accept)):
            base = (media or "").split(";")[0].strip()
            if base not in DATA_PROCESSING_TYPES:
                raise ValueError(
                    f"transform.data_processing needs {label} in {sorted(DATA_PROCESSING_TYPES)}, got {media!r}"
                )
        return self

    @property
    def endpoint_name(self) -> str:
        return self.endpoint.name or self.name

    @property
    def transform_content_type(self) -> str:
        return self.transform.content_type or self.content_type

    @property
    def transform_accept(self) -> str | None:
        return self.transform.accept or self.accept

    @property
    def source(self) -> Path | None:
        """The file this spec was loaded from, if any."""
        return self._source


def _check_unique(names: list[str], what: str) -> None:
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            raise ValueError(f"duplicate {what} name {name!r} (entries {seen[name]} and {index})")
        seen[name] = index


# ----------------------------------------------------------------------------- loading & errors


class SpecError(ValueError):
    """A spec that cannot be used; ``problems`` holds ``(field path, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]], source: Path | str | None = None) -> None:
        self.problems = problems
        self.source = source
        head = f"invalid pipeline spec {source}" if source else "invalid pipeline spec"
        lines = [f"  {loc}: {msg}" if loc else f"  {msg}" for loc, msg in problems]
        super().__init__("\n".join([head + ":", *lines]))


_IMAGE_TAGS = frozenset({"repo", "builtin", "uri"})


def format_loc(loc: tuple[int | str, ...]) -> str:
    """``('containers', 1, 'environment', 'X')`` -> ``containers[1].environment.X``."""
    out = ""
    key_error = False
    previous: int | str | None = None
    for part in loc:
        # pydantic puts the union member's tag after "image"; users never wrote it.
        skip = previous == "image" and part in _IMAGE_TAGS
        previous = part
        if skip:
            continue
        if part == "[key]":
            key_error = True
        elif isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return f"{out} (key)" if key_error else out


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors(include_url=False):
        msg = err["msg"].removeprefix("Value error, ")
        problems.append((format_loc(err["loc"]), msg))
    return problems


def parse_spec(
    data: Any, *, base_dir: Path | None = None, check_files: bool = False, source: Path | str | None = None
) -> PipelineSpec:
    """Validate an already-parsed spec mapping; raise :class:`SpecError` on problems."""
    if not isinstance(data, dict):
        raise SpecError([("", f"the spec must be a mapping, got {type(data).__name__}")], source)
    context = {"base_dir": base_dir or Path.cwd(), "check_files": check_files}
    try:
        return PipelineSpec.model_validate(data, context=context)
    except ValidationError as exc:
        raise SpecError(_problems(exc), source) from None


def load_spec(path: str | Path, *, check_files: bool = True) -> PipelineSpec:
    """Load a YAML or JSON spec file. Relative model paths resolve against its directory.

    ``check_files`` verifies that local model artifacts exist (turn off to render a spec
    whose artifacts are elsewhere).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([("", f"cannot read the spec: {exc.strerror or exc}")], path) from None
    try:
        data = yaml.safe_load(text)  # JSON is a subset of YAML 1.2 for spec purposes
    except yaml.YAMLError as exc:
        raise SpecError([("", f"not valid YAML/JSON: {exc}")], path) from None
    spec = parse_spec(data, base_dir=path.resolve().parent, check_files=check_files, source=path)
    spec._source = path.resolve()
    return spec
