"""Model artifacts: deterministic packaging and extraction that refuses hostile archives."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from inference_pipeline.archives import (
    DEFAULT_MAX_BYTES,
    ArtifactError,
    extract_artifact,
    extract_zip,
    file_sha256,
    package_model_dir,
)
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


# ----------------------------------------------------------------------------- links that hide an escape


def test_path_max_symlink_chain_is_refused(tmp_path: Path) -> None:
    """CVE-2025-4517: a chain of symlinks whose resolved path passes PATH_MAX, so
    ``os.path.realpath`` (and with it the stdlib ``data`` filter) stops resolving and a link
    that is lexically inside points outside. The extraction target sits three levels below
    ``tmp_path`` and the escape climbs one level, so even a failing run writes inside tmp."""
    dest = tmp_path / "sandbox" / "inner" / "out"
    dest.parent.mkdir(parents=True)
    steps = "abcdefghijklmnop"
    path_max = os.pathconf(tmp_path, "PC_PATH_MAX")
    component = "d" * ((path_max - len(str(dest)) - 1) // (len(steps) + 1))
    members: list[tuple[tarfile.TarInfo, bytes | None]] = []
    path = ""
    for step in steps:
        members.append((entry(posixpath_join(path, component), tarfile.DIRTYPE), None))
        members.append((entry(posixpath_join(path, step), tarfile.SYMTYPE, component), None))
        path = posixpath_join(path, component)
    linkpath = "/".join([*steps, "l" * 254])
    members.append((entry(linkpath, tarfile.SYMTYPE, "/".join([".."] * len(steps))), None))
    members.append((entry("escape", tarfile.SYMTYPE, linkpath + "/.."), None))
    members.append((entry("escape/newfile"), b"new"))
    tarball = hostile_tar(tmp_path / "chain.tar.gz", *members)
    with pytest.raises(ArtifactError, match="symlink"):
        extract_artifact(tarball, dest)
    assert not (dest.parent / "newfile").exists(), "a file was written outside the target"
    assert not dest.exists(), "nothing may be left behind"


def posixpath_join(*parts: str) -> str:
    return "/".join(part for part in parts if part)


@pytest.mark.parametrize(
    ("members", "offender"),
    [
        # a file written through an internal directory symlink
        ([(entry("real", tarfile.DIRTYPE), None), (entry("alias", tarfile.SYMTYPE, "real"), None),
          (entry("alias/file"), b"x")], "alias/file"),
        # a link whose target walks through another link
        ([(entry("real", tarfile.DIRTYPE), None), (entry("alias", tarfile.SYMTYPE, "real"), None),
          (entry("deep", tarfile.SYMTYPE, "alias/../real"), None)], "deep"),
        # a hard link through (or to) a symlink: os.link follows it
        ([(entry("real/f"), b"x"), (entry("alias", tarfile.SYMTYPE, "real"), None),
          (entry("hard", tarfile.LNKTYPE, "alias/f"), None)], "hard"),
        ([(entry("f"), b"x"), (entry("alias", tarfile.SYMTYPE, "f"), None),
          (entry("hard", tarfile.LNKTYPE, "alias"), None)], "hard"),
        # a regular file over a symlink of the same name: open() would write through it
        ([(entry("f"), b"x"), (entry("alias", tarfile.SYMTYPE, "f"), None), (entry("./alias"), b"y")], "alias"),
    ],
)
def test_members_crossing_a_symlink_entry_are_refused(
    tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], offender: str
) -> None:
    tarball = hostile_tar(tmp_path / "links.tar.gz", *members)
    with pytest.raises(ArtifactError, match=offender):
        extract_artifact(tarball, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_links_to_links_stay_allowed(tmp_path: Path) -> None:
    tarball = hostile_tar(
        tmp_path / "ok.tar.gz",
        (entry("./", tarfile.DIRTYPE), None),
        (entry("v1/model.bin"), b"w"),
        (entry("current", tarfile.SYMTYPE, "v1"), None),
        (entry("latest", tarfile.SYMTYPE, "current"), None),
    )
    out = extract_artifact(tarball, tmp_path / "out")
    assert (out / "latest" / "model.bin").read_bytes() == b"w"


# ----------------------------------------------------------------------------- decompression bombs


def gzip_bomb(path: Path, expanded: int, chunk: int = 1024**2) -> Path:
    """A tar.gz holding one file of ``expanded`` zero bytes, built in milliseconds: gzip allows
    concatenated members, so one compressed MiB of zeros is repeated instead of recompressed."""
    info = tarfile.TarInfo("weights.bin")
    info.size = expanded
    zeros = gzip.compress(b"\x00" * chunk, compresslevel=9)
    with path.open("wb") as out:
        out.write(gzip.compress(info.tobuf(format=tarfile.PAX_FORMAT)))
        for _ in range(expanded // chunk):
            out.write(zeros)
        out.write(gzip.compress(b"\x00" * (expanded % chunk + (-expanded % 512) + 1024)))
    return path


def test_gzip_bomb_is_refused_by_compression_ratio(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "bomb.tar.gz", 1024**3)  # ~1 MiB on disk, 1 GiB expanded
    assert bomb.stat().st_size < 2 * 1024**2
    with pytest.raises(ArtifactError, match="compression ratio"):
        extract_artifact(bomb, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_compression_ratio_limit_is_a_parameter_and_an_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = gzip_bomb(tmp_path / "bomb.tar.gz", 40 * 1024**2)  # just past RATIO_FLOOR_BYTES
    with pytest.raises(ArtifactError, match="compression ratio"):
        extract_artifact(bomb, tmp_path / "refused")
    assert extract_artifact(bomb, tmp_path / "a", max_ratio=0).is_dir()  # 0 = no ratio limit
    monkeypatch.setenv("INFERENCE_PIPELINE_ARTIFACT_MAX_RATIO", "0")
    assert extract_artifact(bomb, tmp_path / "b").is_dir()
    monkeypatch.setenv("INFERENCE_PIPELINE_ARTIFACT_MAX_RATIO", "lots")
    with pytest.raises(ArtifactError, match="INFERENCE_PIPELINE_ARTIFACT_MAX_RATIO"):
        extract_artifact(bomb, tmp_path / "c")


def test_small_archives_are_never_refused_for_their_ratio(tmp_path: Path) -> None:
    # 8 MiB of zeros compresses ~1000:1 but is harmless: below RATIO_FLOOR_BYTES.
    tarball = gzip_bomb(tmp_path / "zeros.tar.gz", 8 * 1024**2)
    assert tarball.stat().st_size * 500 < 8 * 1024**2
    assert (extract_artifact(tarball, tmp_path / "out") / "weights.bin").stat().st_size == 8 * 1024**2


def test_default_size_cap_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tarball = hostile_tar(tmp_path / "m.tar.gz", (entry("w.bin"), os.urandom(3 * 1024**2)))
    monkeypatch.setenv("INFERENCE_PIPELINE_ARTIFACT_MAX_MB", "2")
    with pytest.raises(ArtifactError, match="more than 2 MiB.*INFERENCE_PIPELINE_ARTIFACT_MAX_MB"):
        extract_artifact(tarball, tmp_path / "out")
    monkeypatch.setenv("INFERENCE_PIPELINE_ARTIFACT_MAX_MB", "4")
    assert extract_artifact(tarball, tmp_path / "ok").is_dir()
    monkeypatch.setenv("INFERENCE_PIPELINE_ARTIFACT_MAX_MB", "-1")
    with pytest.raises(ArtifactError, match="INFERENCE_PIPELINE_ARTIFACT_MAX_MB"):
        extract_artifact(tarball, tmp_path / "bad")


def test_default_size_cap_fits_a_model_directory() -> None:
    assert 2 * 1024**3 <= DEFAULT_MAX_BYTES <= 16 * 1024**3


# ----------------------------------------------------------------------------- zip


def make_zip(path: Path, *members: tuple[str, bytes, int]) -> Path:
    """``(name, data, unix mode)``; mode 0 leaves the entry's type unset, as many zip tools do."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def test_zip_symlink_chain_is_refused(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "bundle.zip",
        ("ok.json", b"{}", 0o100644),
        ("escape", b"..", stat.S_IFLNK | 0o777),
        ("escape/pwned", b"x", 0o100644),
    )
    dest = tmp_path / "sandbox" / "out"
    with pytest.raises(ArtifactError, match="escape"):
        extract_zip(archive, dest)
    assert not dest.exists() and not (tmp_path / "sandbox" / "pwned").exists()


def test_zip_bomb_is_refused_by_compression_ratio(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("zeros.bin", "w") as handle:
            chunk = b"\x00" * 1024**2
            for _ in range(40):
                handle.write(chunk)
    assert archive.stat().st_size < 1024**2
    with pytest.raises(ArtifactError, match="compression ratio"):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_zip_size_cap_and_cleanup(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "m.zip", ("a.bin", os.urandom(600), 0), ("b.bin", os.urandom(600), 0))
    with pytest.raises(ArtifactError, match="more than 1000 bytes"):
        extract_zip(archive, tmp_path / "out", max_bytes=1000)
    assert not (tmp_path / "out").exists()
    assert (extract_zip(archive, tmp_path / "ok") / "b.bin").stat().st_size == 600


def test_zip_destination_must_be_empty(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "m.zip", ("a.bin", b"a", 0))
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "stale").symlink_to(tmp_path)
    with pytest.raises(ArtifactError, match="not empty"):
        extract_zip(archive, dest)


def test_zip_without_file_type_bits_is_extracted(tmp_path: Path) -> None:
    # Python's zipfile records permissions only (0o600), no S_IFREG: still a plain file.
    archive = tmp_path / "plain.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("bundle.json", b"{}")
        zf.writestr("root/model.json", b"[]")
    out = extract_zip(archive, tmp_path / "out")
    assert (out / "root" / "model.json").read_bytes() == b"[]"
