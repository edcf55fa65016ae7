"""Errors that carry their HTTP status, so one place maps failures to responses."""

from __future__ import annotations


def encodable(text: str) -> str:
    """``text`` with anything UTF-8 cannot encode (lone surrogates quoted from a request)
    escaped as ``\\udXXX``, so an error body can always be written."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class InferenceError(Exception):
    """Base for errors a client may see. ``status`` is the HTTP status code."""

    status: int = 500
    code: str = "InternalError"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        message = encodable(message)
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class BadRequest(InferenceError):
    """The body could not be parsed or does not fit the model (names row/column where known)."""

    status = 400
    code = "BadRequest"


class UnsupportedContentType(InferenceError):
    status = 415
    code = "UnsupportedMediaType"

    def __init__(self, content_type: str, supported: list[str] | tuple[str, ...] = ()) -> None:
        hint = f"; supported: {', '.join(supported)}" if supported else ""
        super().__init__(f"Content type {content_type or '(none)'!s} is not supported{hint}")
        self.content_type = content_type


class UnsupportedAccept(InferenceError):
    status = 406
    code = "NotAcceptable"

    def __init__(self, accept: str, supported: list[str] | tuple[str, ...] = ()) -> None:
        hint = f"; supported: {', '.join(supported)}" if supported else ""
        super().__init__(f"Accept {accept or '(none)'!s} is not supported{hint}")
        self.accept = accept


class PayloadTooLarge(InferenceError):
    status = 413
    code = "PayloadTooLarge"


class ModelNotReady(InferenceError):
    status = 503
    code = "ModelNotReady"


class NoContent(InferenceError):
    """Raised for an empty body where the contract answers 204 (e.g. XGBoost, SparkML)."""

    status = 204
    code = "NoContent"

    def __init__(self) -> None:
        super().__init__("")


class ModelLoadError(Exception):
    """The model directory cannot be served; the message is one line a user can act on."""


class SettingsError(Exception):
    """An environment setting is invalid; the message is one line naming the variable."""
