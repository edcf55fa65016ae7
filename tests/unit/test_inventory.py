"""The image inventory: name, version and a one-line licence for every installed distribution."""

from __future__ import annotations

from email.message import Message
from importlib.metadata import PathDistribution

from inference_pipeline.build import inventory
from inference_pipeline.build.inventory import Installed, installed, licence_of, render

BSD_TEXT = "Copyright (c) 2005-2024, NumPy Developers.\nAll rights reserved.\n\nRedistribution and use ..."


def _meta(**fields: str | list[str]) -> Message:
    message = Message()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            message[key.replace("_", "-")] = item
    return message


def test_the_spdx_expression_wins_over_everything_else():
    meta = _meta(License_Expression="BSD-3-Clause", License="BSD", Classifier="License :: OSI Approved :: MIT License")
    assert licence_of(meta) == "BSD-3-Clause"


def test_a_short_licence_field_is_used_as_is():
    assert licence_of(_meta(License="Apache 2.0")) == "Apache 2.0"


def test_pasted_licence_text_falls_back_to_the_classifiers():
    meta = _meta(License=BSD_TEXT, Classifier=["Programming Language :: Python",
                                               "License :: OSI Approved :: BSD License"])
    assert licence_of(meta) == "BSD License"


def test_pasted_licence_text_without_classifiers_gives_its_first_line():
    assert licence_of(_meta(License=BSD_TEXT)) == "Copyright (c) 2005-2024, NumPy Developers."


def test_no_licence_at_all_says_unknown():
    assert licence_of(_meta(License="UNKNOWN", Classifier="Programming Language :: Python")) == "UNKNOWN"
    assert licence_of(_meta()) == "UNKNOWN"


def _dist(tmp_path, folder: str, name: str, version: str, licence: str) -> PathDistribution:
    info = tmp_path / folder / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n"
                                   f"License-Expression: {licence}\n")
    return PathDistribution(info)


def test_distributions_are_sorted_and_a_shadowed_copy_is_not_listed(tmp_path):
    found = installed([
        _dist(tmp_path, "first", "Zeta", "1.0", "MIT"),
        _dist(tmp_path, "first", "alpha_pkg", "2.0", "Apache-2.0"),
        _dist(tmp_path, "later", "Alpha-Pkg", "1.0", "BSD-3-Clause"),  # later on sys.path: not imported
    ])
    assert found == [Installed("alpha_pkg", "2.0", "Apache-2.0"), Installed("Zeta", "1.0", "MIT")]
    assert render(found) == "name\tversion\tlicence\nalpha_pkg\t2.0\tApache-2.0\nZeta\t1.0\tMIT\n"


def test_main_writes_the_table_of_this_environment(tmp_path, capsys):
    output = tmp_path / "INVENTORY.txt"
    assert inventory.main(["--output", str(output)]) == 0
    rows = [line.split("\t") for line in output.read_text().splitlines()]
    assert rows[0] == ["name", "version", "licence"]
    names = {row[0].lower(): row for row in rows[1:]}
    assert names["pytest"][1] and names["pytest"][2] != "UNKNOWN"
    assert capsys.readouterr().out == output.read_text()
