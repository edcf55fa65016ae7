"""Media types with parameters: parse, compare and negotiate Content-Type / Accept."""

from __future__ import annotations

from dataclasses import dataclass, field

CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"
NPY = "application/x-npy"
RECORDIO_PROTOBUF = "application/x-recordio-protobuf"
LIBSVM = "text/libsvm"
OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain"
ANY = "*/*"

# Equivalent spellings seen in the wild, mapped to the canonical essence.
_ALIASES = {
    "application/x-jsonlines": JSONLINES,
    "application/jsonl": JSONLINES,
    "application/x-ndjson": JSONLINES,
    "text/x-libsvm": LIBSVM,
    "application/x-recordio": RECORDIO_PROTOBUF,
}


@dataclass(frozen=True)
class MediaType:
    """One media type: ``essence`` is lower-case ``type/subtype``; ``params`` keeps the rest."""

    essence: str
    params: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    q: float = field(default=1.0, compare=False, hash=False)

    @classmethod
    def parse(cls, value: str) -> MediaType:
        parts = [p.strip() for p in value.split(";")]
        essence = parts[0].lower()
        essence = _ALIASES.get(essence, essence)
        params: dict[str, str] = {}
        q = 1.0
        for part in parts[1:]:
            if not part:
                continue
            key, _, val = part.partition("=")
            key, val = key.strip().lower(), val.strip().strip('"')
            if key == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
            else:
                params[key] = val
        return cls(essence, params, q)

    @property
    def charset(self) -> str:
        return self.params.get("charset", "utf-8")

    @property
    def is_wildcard(self) -> bool:
        return self.essence in (ANY, "*") or self.essence.endswith("/*")

    def matches(self, essence: str) -> bool:
        if self.essence in (ANY, "*"):
            return True
        if self.essence.endswith("/*"):
            return essence.startswith(self.essence[:-1])
        return self.essence == essence

    def __str__(self) -> str:
        rendered = self.essence
        for key, val in self.params.items():
            rendered += f";{key}={val}"
        return rendered


def parse_accept(header: str | None) -> list[MediaType]:
    """Accept header → media types, best first (stable for equal q). Empty → []."""
    if not header or not header.strip():
        return []
    types = [MediaType.parse(item) for item in header.split(",") if item.strip()]
    types = [t for t in types if t.q > 0]
    return sorted(types, key=lambda t: -t.q)


def negotiate(accept_header: str | None, supported: list[str], default: str) -> MediaType | None:
    """Pick the response type: no Accept or ``*/*`` gives ``default``; None means nothing fits.

    ``supported`` holds essences; the chosen type keeps the client's parameters
    (e.g. ``application/jsonlines;data=text``) so a runtime can honour them.
    """
    wanted = parse_accept(accept_header)
    if not wanted:
        return MediaType.parse(default)
    for media in wanted:
        if media.essence in (ANY, "*"):
            return MediaType.parse(default)
        if media.is_wildcard:
            default_type = MediaType.parse(default)
            if media.matches(default_type.essence):
                return default_type
            for essence in supported:
                if media.matches(essence):
                    return MediaType(essence)
            continue
        if media.essence in supported:
            return media
    return None
