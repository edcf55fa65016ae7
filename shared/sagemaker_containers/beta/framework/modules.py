"""``modules.import_module``: import a user module by name from the code directory."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def import_module(uri: str, name: str = "user_module", cache: bool | None = None) -> ModuleType:
    if uri and uri not in sys.path and not uri.startswith(("s3://", "http")):
        sys.path.insert(0, uri)
    return importlib.import_module(name)
