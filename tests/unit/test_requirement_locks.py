"""Every image's hash lock matches its requirements file and is what its Dockerfile installs."""

from __future__ import annotations

import re

import pytest

from tests.support.locks import BASE_REQUIREMENTS, ROOT, lock_of, pins, read_lock

REQUIREMENTS = sorted((ROOT / "images").glob("*/requirements*.txt"))
LOCKED = [path for path in REQUIREMENTS if pins(path) or path == BASE_REQUIREMENTS]


def _expected_top_level(requirements):
    """Base's pins, then the image's own: the image wins where both name a package (numpy 1.x)."""
    if requirements == BASE_REQUIREMENTS:
        return pins(BASE_REQUIREMENTS)
    return {**pins(BASE_REQUIREMENTS), **pins(requirements)}


@pytest.mark.parametrize("requirements", LOCKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_lock_pins_exactly_the_requirements_and_hashes_every_package(requirements):
    lock = lock_of(requirements)
    assert lock.exists(), f"{lock} is missing: run scripts/lock-requirements.sh"
    locked = read_lock(lock)
    wrong = {name: (version, locked[name].version if name in locked else None)
             for name, version in _expected_top_level(requirements).items()
             if name not in locked or locked[name].version != version}
    assert not wrong, f"{lock} is stale (pin, locked) {wrong}: run scripts/lock-requirements.sh {requirements.relative_to(ROOT)}"
    assert all(entry.hashes for entry in locked.values()), [e.name for e in locked.values() if not e.hashes]


@pytest.mark.parametrize("requirements", LOCKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_an_image_lock_is_its_whole_environment(requirements):
    """Installed with --no-deps over base, a lock must still name every base package."""
    missing = set(read_lock(lock_of(BASE_REQUIREMENTS))) - set(read_lock(lock_of(requirements)))
    assert not missing, f"{lock_of(requirements)} lacks base packages {sorted(missing)}"


def test_requirements_without_pins_have_no_lock_of_their_own():
    """An image installing nothing beyond base runs base's lock; a second copy would only go stale."""
    for requirements in REQUIREMENTS:
        if requirements not in LOCKED:
            assert not lock_of(requirements).exists(), lock_of(requirements)
    assert not set((ROOT / "images").glob("*/requirements*.lock")) - {lock_of(p) for p in LOCKED}


@pytest.mark.parametrize("dockerfile", sorted((ROOT / "images").glob("*/Dockerfile")), ids=lambda p: p.parent.name)
def test_dockerfiles_install_only_hashed_locks(dockerfile):
    text = dockerfile.read_text()
    installs = re.findall(r"pip install[^\n]*", text)
    for install in installs:
        assert "--require-hashes" in install and "--no-deps" in install, f"{dockerfile}: {install}"
        assert re.search(r"-r \S+\.lock\b", install), f"{dockerfile} installs from something not a lock: {install}"
    own = [p for p in LOCKED if p.parent == dockerfile.parent]
    assert bool(installs) == bool(own), f"{dockerfile}: installs {installs}, locks {own}"
    for lock in {lock_of(p) for p in own}:
        # A line's lock is picked by the LINE build arg: requirements-${LINE}.lock.
        name = re.sub(r"-\d+\.\d+\.lock$", "-${LINE}.lock", lock.name)
        assert f"images/{dockerfile.parent.name}/{name}" in text, f"{dockerfile} does not copy {name}"
