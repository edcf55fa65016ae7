"""User inference scripts with the SageMaker framework-container hook contract.

Hooks: ``model_fn(model_dir)``, ``input_fn(body, content_type)``, ``predict_fn(data, model)``,
``output_fn(prediction, accept)``, or ``transform_fn(model, body, content_type, accept)``;
each may take a trailing ``context`` (sagemaker-inference >= 1.7). Bodies of ``text/csv`` and
``application/json`` reach ``input_fn`` as ``str``, anything else as ``bytes`` (as AWS's
containers pass them). Used by the sklearn and postprocessing images.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from inference_pipeline.serving.codecs import body_text
from inference_pipeline.serving.errors import (
    BadRequest,
    InferenceError,
    ModelLoadError,
    SettingsError,
    UnsupportedAccept,
    UnsupportedContentType,
)
from inference_pipeline.serving.media import CSV, JSON, MediaType, parse_accept
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse

log = logging.getLogger(__name__)

HOOKS = ("model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn")
TEXT_TYPES = (CSV, JSON)
# Exceptions from user code that describe a bad request rather than a bug.
CLIENT_ERRORS: tuple[type[BaseException], ...] = (ValueError, TypeError, KeyError, IndexError,
                                                  UnicodeDecodeError)


@dataclass
class RequestContext:
    """Passed as the optional trailing ``context`` argument; mirrors what scripts read from
    MMS's context (request headers, model dir) without depending on MMS."""

    model_dir: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_id: str = ""

    def get_request_header(self, _idx: int, name: str) -> str | None:
        return self.request_headers.get(name)

    @property
    def system_properties(self) -> dict[str, Any]:
        return {"model_dir": self.model_dir}


def install_requirements(code_dir: Path) -> Path | None:
    """pip-install ``code/requirements.txt`` into a writable directory and put it on sys.path.

    A target under the temp dir keeps this working with a read-only root filesystem; workers
    fork after this, so they inherit sys.path.
    """
    requirements = code_dir / "requirements.txt"
    if not requirements.is_file():
        return None
    target = Path(tempfile.gettempdir()) / "inference-pipeline-packages"
    log.info("installing %s into %s", requirements, target)
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-input",
                           "--disable-pip-version-check", "--target", str(target), "-r", str(requirements)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SettingsError(f"installing {requirements} failed (pip exit {proc.returncode}): {tail[0]}")
    sys.path.insert(0, str(target))
    return target


def load_user_module(code_dir: Path, program: str | None) -> ModuleType | None:
    """Import SAGEMAKER_PROGRAM from the code dir; None when no program is configured."""
    if not program:
        return None
    module_name = program[:-3] if program.endswith(".py") else program
    path = code_dir / f"{module_name}.py"
    if not path.is_file():
        raise ModelLoadError(f"SAGEMAKER_PROGRAM={program} not found in {code_dir} "
                             "(set SAGEMAKER_SUBMIT_DIRECTORY or put the script in model/code/)")
    if str(code_dir) not in sys.path:
        sys.path.insert(0, str(code_dir))
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ModelLoadError(f"importing {path} failed: {type(exc).__name__}: {exc}") from exc
    return module


def _call(fn: Callable[..., Any], args: tuple[Any, ...], context: RequestContext) -> Any:
    """Call a hook with or without the trailing context, by its signature (like the toolkit)."""
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        takes_context = len(params) == len(args) + 1
    except (TypeError, ValueError):
        takes_context = False
    return fn(*args, context) if takes_context else fn(*args)


def _client_facing(exc: Exception, stage: str) -> InferenceError:
    """Map an exception raised by user code to a status, keeping the script's message."""
    if isinstance(exc, InferenceError):
        return exc
    status = getattr(exc, "status_code", None)  # sagemaker_inference.BaseInferenceToolkitError
    message = f"{stage} failed: {type(exc).__name__}: {exc}"
    if isinstance(status, int) and 400 <= status < 600:
        return InferenceError(message, status=status, code=type(exc).__name__)
    if type(exc).__name__ == "UnsupportedFormatError":
        return InferenceError(message, status=406 if stage == "output_fn" else 415,
                              code="UnsupportedFormatError")
    if isinstance(exc, CLIENT_ERRORS):
        return BadRequest(message)
    return InferenceError(message, status=500, code="ModelError")


def script_content_type(media: MediaType | None) -> str:
    """What scripts compare against: the essence plus non-charset parameters."""
    if media is None:
        return JSON  # AWS's container treats a missing Content-Type as JSON
    params = {k: v for k, v in media.params.items() if k != "charset"}
    return str(MediaType(media.essence, params))


def script_accept(accept_header: str, default: str) -> str:
    for media in parse_accept(accept_header):
        if media.is_wildcard:
            return default
        params = {k: v for k, v in media.params.items() if k != "charset"}
        return str(MediaType(media.essence, params))
    return default


def body_for_script(body: bytes, media: MediaType | None) -> str | bytes:
    essence = media.essence if media else JSON
    if essence in TEXT_TYPES:
        return body_text(body, media or MediaType(JSON))
    return body


def normalize_result(result: Any, accept: str) -> InferenceResponse:
    """A hook may return a Flask/worker Response, a (body, content_type) tuple, or a body."""
    content_type = accept
    status = 200
    if hasattr(result, "get_data") and hasattr(result, "status_code"):  # Flask / werkzeug
        content_type = result.headers.get("Content-Type", accept)
        return InferenceResponse(result.get_data(), content_type, status=int(result.status_code))
    if isinstance(result, tuple) and len(result) == 2:
        result, content_type = result
    if isinstance(result, str):
        return InferenceResponse(result.encode("utf-8"), content_type, status)
    if isinstance(result, (bytes, bytearray, memoryview)):
        return InferenceResponse(bytes(result), content_type, status)
    # Anything else (array, list, number) goes through our codecs for the accept type.
    from inference_pipeline.serving import codecs

    media = MediaType.parse(content_type)
    if media.essence not in codecs.ENCODABLE:
        raise UnsupportedAccept(content_type, codecs.ENCODABLE)
    return InferenceResponse(codecs.encode(result, media), media.essence, status)


class ScriptHandlers:
    """The resolved hooks of one user module (or none), with AWS's rules for mixing them."""

    def __init__(self, module: ModuleType | None) -> None:
        self.module = module
        found = {name: getattr(module, name) for name in HOOKS if module and callable(getattr(module, name, None))}
        self.hooks: dict[str, Callable[..., Any]] = found
        if "transform_fn" in found and {"input_fn", "predict_fn", "output_fn"} & found.keys():
            raise ModelLoadError("cannot use transform_fn together with input_fn, predict_fn and/or output_fn "
                                 f"in {getattr(module, '__file__', 'the script')}")

    def has(self, name: str) -> bool:
        return name in self.hooks

    def call(self, name: str, args: tuple[Any, ...], context: RequestContext) -> Any:
        try:
            return _call(self.hooks[name], args, context)
        except InferenceError:
            raise
        except Exception as exc:
            log.warning("%s raised %s: %s", name, type(exc).__name__, exc, exc_info=True)
            raise _client_facing(exc, name) from exc


def check_default_types(request: InferenceRequest, decodable: tuple[str, ...]) -> None:
    if request.content_type is not None and request.content_type.essence not in decodable:
        raise UnsupportedContentType(str(request.content_type), decodable)
