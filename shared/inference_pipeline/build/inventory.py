"""The inventory of an image: every installed distribution with its version and licence.

Each Dockerfile runs ``python3 -m inference_pipeline.build.inventory --output /opt/app/INVENTORY.txt``
after its last install, so the file ships in the image and the table is printed in the build log.
Licences come from the distributions' own metadata, most precise first: ``License-Expression``
(an SPDX expression, core metadata 2.4), then a short ``License`` field, then the ``License ::``
trove classifiers. Many packages paste the whole licence text into ``License``; that is not a
name, so a long or multi-line value falls through to the classifiers (or its first line).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: Longer than this, a ``License`` field is licence text rather than a licence's name.
_NAME_LIMIT = 80
UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class Installed:
    name: str
    version: str
    licence: str


def _field(meta: metadata.PackageMetadata, key: str) -> str:
    # get_all, not [] or get: a missing key is None on 3.11 and KeyError on later Pythons.
    values = meta.get_all(key) or []
    return str(values[0]).strip() if values else ""


def licence_of(meta: metadata.PackageMetadata) -> str:
    """The licence a distribution declares, as one short line (``UNKNOWN`` when it declares none)."""
    expression = _field(meta, "License-Expression")
    if expression:
        return expression
    field = _field(meta, "License")
    if field and "\n" not in field and len(field) <= _NAME_LIMIT and field != UNKNOWN:
        return field
    classifiers = [
        value.split("::")[-1].strip()
        for value in meta.get_all("Classifier") or []
        if value.startswith("License ::") and value.split("::")[-1].strip() != "OSI Approved"
    ]
    if classifiers:
        return "; ".join(classifiers)
    if field and field != UNKNOWN:
        return field.splitlines()[0].strip()[:_NAME_LIMIT]
    return UNKNOWN


def installed(distributions: Iterable[metadata.Distribution] | None = None) -> list[Installed]:
    """Every distribution (default: those importable here), sorted by name, each listed once."""
    found: dict[str, Installed] = {}
    for dist in metadata.distributions() if distributions is None else distributions:
        name = _field(dist.metadata, "Name")
        if not name:  # a broken install (metadata directory without METADATA): not a package
            continue
        key = name.lower().replace("_", "-")
        # The first on sys.path is the one imported; a shadowed copy is not what runs.
        found.setdefault(key, Installed(name, dist.version, licence_of(dist.metadata)))
    return sorted(found.values(), key=lambda item: item.name.lower())


def render(items: list[Installed]) -> str:
    """A tab-separated table (name, version, licence) with a header line."""
    lines = ["name\tversion\tlicence", *(f"{i.name}\t{i.version}\t{i.licence}" for i in items)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    items = installed()
    if not items:
        print("inventory: no installed distributions found", file=sys.stderr)
        return 1
    table = render(items)
    if args.output:
        args.output.write_text(table, encoding="utf-8")
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
