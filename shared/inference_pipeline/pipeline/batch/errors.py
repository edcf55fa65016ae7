"""Exceptions raised by the batch transform engine."""

from __future__ import annotations


class TransformConfigError(ValueError):
    """The job's settings cannot work together (raised before any file is read)."""


class JsonPathError(TransformConfigError):
    """An InputFilter/OutputFilter uses syntax outside SageMaker's JSONPath subset."""


class TransformInputError(ValueError):
    """The input location holds nothing to transform."""


class FileTransformError(Exception):
    """One input file cannot be transformed; the engine turns it into a ``FileFailure``."""

    def __init__(
        self,
        message: str,
        *,
        first_record: int | None = None,
        last_record: int | None = None,
        status: int | None = None,
        container: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.first_record = first_record
        self.last_record = last_record
        self.status = status
        self.container = container
