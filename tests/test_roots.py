"""Data roots: every escape a hostile visitor would try gets the one reply, existing place or not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from t2i_core.roots import (
    BUILTIN_ROOTS,
    PROJECT,
    REFUSED,
    DataRoot,
    DataRoots,
    OutsideRootsError,
    RootConfigError,
    public_path,
)


@pytest.fixture
def world(tmp_path):
    """A root ``data`` with two sets, and places outside it (one existing, one not) to try to reach."""
    root = tmp_path / "data"
    (root / "setA" / "annots").mkdir(parents=True)
    (root / "setB").mkdir()
    (root / ".hidden").mkdir()
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "keys.txt").write_text("top secret\n")
    (root / "setA" / "notes.txt").write_text("inside\n")
    (root / "out-link").symlink_to(outside)                 # a link that leads out of the root
    (root / "in-link").symlink_to(root / "setB")            # a link that stays inside
    (root / "setA" / "cwd").symlink_to("/proc/self/cwd")
    roots = DataRoots([DataRoot("data", root)])
    return roots, root, outside


def refused(roots: DataRoots, name, kind: str = "dir") -> str:
    with pytest.raises(OutsideRootsError) as caught:
        roots.resolve(name, kind)
    return str(caught.value)


def test_names_inside_a_root_resolve_to_real_paths(world):
    roots, root, _ = world
    assert roots.resolve("data") == root.resolve()
    assert roots.resolve("data/setA") == (root / "setA").resolve()
    assert roots.resolve(" data/setA/annots ") == (root / "setA" / "annots").resolve()
    assert roots.resolve("data/in-link") == (root / "setB").resolve()  # a link inside a root is fine
    assert roots.resolve("data/setA/notes.txt", kind="file") == (root / "setA" / "notes.txt").resolve()


@pytest.mark.parametrize("escape", [
    "data/..", "data/../secret", "data/setA/../../secret", "../secret", "..", ".", "data/./setA",
    "/etc", "/proc/self/cwd", "/proc/self/root/etc", "/proc/self/fd/1", "~", "~/", "~root", "data/~",
    "data/out-link", "data/out-link/keys.txt", "data/setA/cwd", "data/.hidden", "data//setA", "data/setA/",
    "data\\setA", "data/setA\x00", "", "   ", "nosuchroot/setA", "data/missing", "data/setA/notes.txt",
    "x" * 5000, None, 3, ["data"],
])
def test_every_escape_gets_the_one_reply(world, escape):
    roots, _, _ = world
    assert refused(roots, escape) == REFUSED


def test_the_reply_is_the_same_whether_the_place_exists_or_not(world, tmp_path):
    roots, _, outside = world
    pairs = [(str(outside), str(tmp_path / "no-such")),                       # absolute
             ("data/../secret", "data/../no-such"),                            # ..
             ("data/out-link/keys.txt", "data/out-link/none.txt"),             # through a link out
             (f"data/../{outside.name}/keys.txt", "data/../secret/none.txt"),
             ("data/setA", "data/setZ")]                                       # inside, as a file
    for there, missing in pairs:
        kind = "file" if there == "data/setA" else "dir"
        assert refused(roots, there, kind) == refused(roots, missing, kind) == REFUSED
    # The reply names nothing on the disk.
    for word in (str(tmp_path), "secret", "keys", "setA", "link", "proc", "/"):
        assert word not in REFUSED


def test_files_a_folder_refers_to_are_confined(world, tmp_path):
    roots, root, outside = world
    split = root / "setA" / "split"
    split.mkdir()
    (split / "test.txt").symlink_to(outside / "keys.txt")     # an InterHuman split file linked out
    (split / "val.txt").symlink_to(root / "setA" / "notes.txt")
    with pytest.raises(OutsideRootsError):
        roots.confine(split / "test.txt")
    assert roots.confine(split / "val.txt") == (root / "setA" / "notes.txt").resolve()
    assert not roots.inside(root / "setA" / "cwd") and roots.inside(root / "in-link")
    passwd = split / "train.txt"
    passwd.symlink_to("/etc/passwd")
    with pytest.raises(OutsideRootsError):
        roots.confine(passwd)


def test_folders_are_offered_by_name_without_leaving_the_roots(world):
    roots, _, _ = world
    names = roots.folders()
    assert names[0] == "data"
    assert {"data/setA", "data/setA/annots", "data/setB", "data/in-link"} <= set(names)
    assert not any(n.endswith(("out-link", "cwd", ".hidden")) for n in names)
    assert all(roots.resolve(n) for n in names)
    assert roots.folders(accept=lambda p: (p / "annots").is_dir()) == ["data/setA"]
    assert roots.folders(depth=0) == ["data"]


def test_names_of_real_paths_and_public_paths(world, tmp_path):
    roots, root, outside = world
    assert roots.name_of(root / "setA" / "annots") == "data/setA/annots"
    with pytest.raises(OutsideRootsError):
        roots.name_of(outside)
    assert roots.redact(f"cannot read {root.resolve()}/setA/x.npy") == "cannot read data/setA/x.npy"
    assert public_path(PROJECT / "assets" / "interactor") == "assets/interactor"
    assert public_path(outside / "keys.txt") == "keys.txt"           # outside: only its last part
    assert public_path(root / "setA", roots) == "data/setA"
    assert str(tmp_path) not in public_path(tmp_path / "ckpt")


def test_operator_roots_are_named_after_their_folders(tmp_path):
    (tmp_path / "a" / "InterHuman").mkdir(parents=True)
    (tmp_path / "b" / "InterHuman").mkdir(parents=True)
    roots = DataRoots.from_operator([tmp_path / "a" / "InterHuman", tmp_path / "b" / "InterHuman"], builtin=())
    assert roots.names == ["InterHuman", "InterHuman-2"]
    assert roots.resolve("InterHuman-2") == (tmp_path / "b" / "InterHuman").resolve()
    with pytest.raises(RootConfigError, match="not a folder"):
        DataRoots.from_operator([tmp_path / "missing"])
    with pytest.raises(RootConfigError, match="two data roots"):
        DataRoots([DataRoot("x", tmp_path), DataRoot("x", tmp_path / "a")])
    with pytest.raises(RootConfigError, match="root name"):
        DataRoots([DataRoot("../x", tmp_path)])


def test_built_in_demo_roots_are_always_there_and_extendable(tmp_path):
    demo = tmp_path / "demo-sets"
    (demo / "procedural").mkdir(parents=True)
    builtin = (*BUILTIN_ROOTS, DataRoot("compose", demo))
    roots = DataRoots.from_operator([], builtin=builtin)
    assert "compose" in roots.names and "compose/procedural" in roots.folders()
    missing = DataRoots.from_operator([], builtin=(DataRoot("gone", tmp_path / "none"),))
    assert missing.names == []                      # a demo set not shipped in this build is skipped
    more = roots.with_root("extra", tmp_path)
    assert more.resolve("extra/demo-sets/procedural") == (demo / "procedural").resolve()
    assert all(r.path == Path(os.path.realpath(r.path)) for r in more.roots)
