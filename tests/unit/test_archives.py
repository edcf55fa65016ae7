"""Model artifacts: deterministic packaging and extraction that refuses hostile archives."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from inference_pipeline.archives import ArtifactError, extract_artifact, file_sha256, package_model_dir
from inference_pipeline.pipeline.artifacts import cached_extract, model_dir_for


def make_model_dir(root: Path) -> Path:
    model = root / "model"
    (model / "code").mkdir(parents=True)
    (model / "model.joblib").write_bytes(b"\x00weights" * 100)
    (model / "code" / "inference.py").write_text("def model_fn(d):\n    return d\n")
    (model / "bundle.json").write_text('{"name": "pipeline"}')
    return model


def hostile_tar(path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def entry(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


# ----------------------------------------------------------------------------- packaging


def test_package_puts_contents_at_archive_top(tmp_path: Path) -> None:
    tarball = package_model_dir(make_model_dir(tmp_path), tmp_path / "model.tar.gz")
    with tarfile.open(tarball) as tar:
        names = sorted(tar.getnames())
        assert names == ["bundle.json", "code", "code/inference.py", "model.joblib"]
        assert all(m.mtime == 0 and m.uid == 0 and m.uname == "" for m in tar.getmembers())


def test_package_is_deterministic(tmp_path: Path) -> None:
    model = make_model_dir(tmp_path)
    first = package_model_dir(model, tmp_path / "a.tar.gz")
    os.utime(model / "model.joblib", (1, 1))
    second = package_model_dir(model, tmp_path / "b.tar.gz")
    assert file_sha256(first) == file_sha256(second)
    (model / "model.joblib").write_bytes(b"changed")
    assert file_sha256(package_model_dir(model, tmp_path / "c.tar.gz")) != file_sha256(first)


def test_package_default_destination_and_roundtrip(tmp_path: Path) -> None:
    model = make_model_dir(tmp_path)
    tarball = package_model_dir(model)
    try:
        assert tarball.name == "model.tar.gz"
        out = extract_artifact(tarball, tmp_path / "out")
        assert (out / "code" / "inference.py").read_text() == (model / "code" / "inference.py").read_text()
        assert (out / "model.joblib").read_bytes() == (model / "model.joblib").read_bytes()
    finally:
        tarball.unlink()
        tarball.parent.rmdir()


def test_package_skips_its_own_output_inside_the_dir(tmp_path: Path) -> None:
    model = make_model_dir(tmp_path)
    tarball = package_model_dir(model, model / "model.tar.gz")
    with tarfile.open(tarball) as tar:
        assert "model.tar.gz" not in tar.getnames()


def test_package_rejects_escaping_symlink(tmp_path: Path) -> None:
    model = make_model_dir(tmp_path)
    (tmp_path / "secret").write_text("s")
    (model / "leak").symlink_to(tmp_path / "secret")
    with pytest.raises(ArtifactError, match="outside"):
        package_model_dir(model, tmp_path / "m.tar.gz")


def test_package_keeps_internal_symlink(tmp_path: Path) -> None:
    model = make_model_dir(tmp_path)
    (model / "alias.joblib").symlink_to("model.joblib")
    out = extract_artifact(package_model_dir(model, tmp_path / "m.tar.gz"), tmp_path / "out")
    assert (out / "alias.joblib").is_symlink()
    assert (out / "alias.joblib").read_bytes() == (model / "model.joblib").read_bytes()


def test_package_requires_directory(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not a directory"):
        package_model_dir(tmp_path / "missing")


# ----------------------------------------------------------------------------- hostile archives


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ((entry("/etc/evil"), b"x"), "absolute"),
        ((entry("../evil"), b"x"), r"'\.\.'"),
        ((entry("code/../../evil"), b"x"), r"'\.\.'"),
        ((entry("C:/evil"), b"x"), "absolute"),
        ((entry("link", tarfile.SYMTYPE, "/etc/passwd"), None), "absolute target"),
        ((entry("link", tarfile.SYMTYPE, "../../etc/passwd"), None), "outside"),
        ((entry("deep/link", tarfile.SYMTYPE, "../../x"), None), "outside"),
        ((entry("hard", tarfile.LNKTYPE, "../outside"), None), "hard link"),
        ((entry("hard", tarfile.LNKTYPE, "/etc/passwd"), None), "hard link"),
        ((entry("dev", tarfile.CHRTYPE), None), "device"),
        ((entry("blk", tarfile.BLKTYPE), None), "device"),
        ((entry("fifo", tarfile.FIFOTYPE), None), "FIFO"),
    ],
)
def test_hostile_entries_are_refused(tmp_path: Path, member: tuple[tarfile.TarInfo, bytes | None], message: str) -> None:
    tarball = hostile_tar(tmp_path / "evil.tar.gz", (entry("ok.txt"), b"fine"), member)
    dest = tmp_path / "out"
    with pytest.raises(ArtifactError, match=message):
        extract_artifact(tarball, dest)
    assert not dest.exists(), "nothing may be left behind"
    assert not (tmp_path / "evil").exists() and not (tmp_path / "outside").exists()


def test_symlink_then_write_through_it_is_refused(tmp_path: Path) -> None:
    # Classic two-step escape: a dir symlink pointing out, then a file written "inside" it.
    tarball = hostile_tar(
        tmp_path / "evil.tar.gz",
        (entry("escape", tarfile.SYMTYPE, ".."), None),
        (entry("escape/pwned"), b"x"),
    )
    with pytest.raises(ArtifactError):
        extract_artifact(tarball, tmp_path / "out")
    assert not (tmp_path / "pwned").exists()


def test_internal_links_are_allowed(tmp_path: Path) -> None:
    tarball = hostile_tar(
        tmp_path / "ok.tar.gz",
        (entry("data/a.bin"), b"payload"),
        (entry("data/b.bin", tarfile.LNKTYPE, "data/a.bin"), None),
        (entry("latest", tarfile.SYMTYPE, "data/a.bin"), None),
    )
    out = extract_artifact(tarball, tmp_path / "out")
    assert (out / "data" / "b.bin").read_bytes() == b"payload"
    assert (out / "latest").read_bytes() == b"payload"


def test_size_limit(tmp_path: Path) -> None:
    tarball = hostile_tar(tmp_path / "big.tar.gz", (entry("a"), b"x" * 600), (entry("b"), b"x" * 600))
    with pytest.raises(ArtifactError, match="more than 1000 bytes"):
        extract_artifact(tarball, tmp_path / "out", max_bytes=1000)
    assert extract_artifact(tarball, tmp_path / "ok", max_bytes=1200).is_dir()


def test_size_limit_uses_declared_sizes_before_writing(tmp_path: Path) -> None:
    # A highly compressible "bomb": tiny on disk, large when extracted.
    tarball = hostile_tar(tmp_path / "bomb.tar.gz", (entry("zeros"), b"\x00" * 5_000_000))
    assert tarball.stat().st_size < 50_000
    with pytest.raises(ArtifactError, match="expands to more than"):
        extract_artifact(tarball, tmp_path / "out", max_bytes=1_000_000)
    assert not (tmp_path / "out").exists()


def test_file_count_limit(tmp_path: Path) -> None:
    tarball = hostile_tar(tmp_path / "many.tar.gz", *[(entry(f"f{i}"), b"") for i in range(11)])
    with pytest.raises(ArtifactError, match="more than 10 entries"):
        extract_artifact(tarball, tmp_path / "out", max_files=10)


def test_corrupt_archive(tmp_path: Path) -> None:
    bad = tmp_path / "model.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    with pytest.raises(ArtifactError, match="cannot extract"):
        extract_artifact(bad, tmp_path / "out")


def test_destination_must_be_empty(tmp_path: Path) -> None:
    tarball = package_model_dir(make_model_dir(tmp_path), tmp_path / "m.tar.gz")
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "stale").write_text("x")
    with pytest.raises(ArtifactError, match="not empty"):
        extract_artifact(tarball, dest)


def test_plain_tar_is_accepted(tmp_path: Path) -> None:
    plain = tmp_path / "model.tar"
    with tarfile.open(plain, "w") as tar:
        info = entry("weights.bin")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    assert (extract_artifact(plain, tmp_path / "out") / "weights.bin").read_bytes() == b"abc"


# ----------------------------------------------------------------------------- cache


def test_cached_extract_is_content_addressed(tmp_path: Path) -> None:
    model = make_model_dir(tmp_path)
    tarball = package_model_dir(model, tmp_path / "m.tar.gz")
    cache = tmp_path / "cache"
    first = cached_extract(tarball, cache)
    assert first.name == file_sha256(tarball)
    marker = first / "marker"
    marker.write_text("reused")
    assert cached_extract(tarball, cache) == first and marker.exists()
    (model / "model.joblib").write_bytes(b"new weights")
    second = cached_extract(package_model_dir(model, tmp_path / "m.tar.gz"), cache)
    assert second != first and (second / "model.joblib").read_bytes() == b"new weights"
    assert not [p for p in cache.iterdir() if p.name.startswith(".extract-")]


def test_cached_extract_leaves_nothing_on_failure(tmp_path: Path) -> None:
    tarball = hostile_tar(tmp_path / "evil.tar.gz", (entry("../x"), b"x"))
    cache = tmp_path / "cache"
    with pytest.raises(ArtifactError):
        cached_extract(tarball, cache)
    assert list(cache.iterdir()) == []


def test_model_dir_for(tmp_path: Path) -> None:
    model = make_model_dir(tmp_path)
    assert model_dir_for(model, tmp_path / "cache") == model
    tarball = package_model_dir(model, tmp_path / "m.tar.gz")
    assert (model_dir_for(tarball, tmp_path / "cache") / "bundle.json").exists()
