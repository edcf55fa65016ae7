"""Image manifest for other projects: image name → URI and digest, from bake's metadata file.

CodeBuild runs ``docker buildx bake --push --metadata-file bake-metadata.json`` and then
``python -m inference_pipeline.build.manifest bake-metadata.json > image-manifest.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def manifest_from_metadata(metadata: dict[str, Any]) -> dict[str, dict[str, Any]]:
    images: dict[str, dict[str, Any]] = {}
    for target, info in sorted(metadata.items()):
        if not isinstance(info, dict) or "image.name" not in info or target == "base":
            continue
        tags = [t for t in str(info["image.name"]).split(",") if t]
        digest = info.get("containerimage.digest", "")
        repository = tags[0].rsplit(":", 1)[0]
        images[target] = {
            "uri": tags[0],
            "digest": digest,
            "pinned_uri": f"{repository}@{digest}" if digest else "",
            "tags": tags,
        }
    return images


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m inference_pipeline.build.manifest BAKE_METADATA_JSON", file=sys.stderr)
        return 2
    metadata = json.loads(Path(args[0]).read_text())
    print(json.dumps({"images": manifest_from_metadata(metadata)}, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
