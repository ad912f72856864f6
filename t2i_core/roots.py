"""Data roots: the only folders whose contents a visitor of the app may see.

The operator names the roots (``python app.py --data-root DIR``, repeatable); the demo sets
shipped in the repository are always among them. A visitor names a place inside a root by a
relative name, ``<root name>/<path inside it>`` (e.g. ``demo/procedural``), never by a server
path. ``DataRoots.resolve`` turns a name into the real path only when the fully resolved path
(after every link) lies inside a root; anything else -- ``..``, an absolute path, ``~``, a link
that leads out of a root, a place that does not exist -- gets one and the same
``OutsideRootsError``, whose text names nothing on the disk, so a visitor learns nothing about
which server folders exist. Files referenced from inside a folder (split files, motion files)
pass ``DataRoots.confine`` before they are read, so a link inside a root cannot leak a file
outside it either.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from t2i_core.assets import DEMO_SETS
from t2i_core.unicode_safety import has_lone_surrogate

PROJECT = Path(__file__).resolve().parents[1]

# The one reply to every refused name or path, whatever the reason: the same text for a place that
# exists and one that does not, and no path in it.
REFUSED = ("not one of the offered data folders, or it refers to files outside the server's data roots: "
           "pick a folder from the list")

ROOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_NAME_CHARS = 1000
LIST_DEPTH = 3          # how deep ``folders`` looks below each root
LIST_LIMIT = 2000       # at most this many folders are offered (a huge root must not stall a page)


class OutsideRootsError(ValueError):
    """A name or path that is not a usable place inside a data root (always the text ``REFUSED``)."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


class RootConfigError(ValueError):
    """The operator named a data root that cannot be used (said on the operator's console, not to visitors)."""


@dataclass(frozen=True)
class DataRoot:
    """One root: the name visitors see, and where it is on the server."""

    name: str
    path: Path


# The demo sets shipped with the project, always offered: a set placed in ``assets/demo/<set>/``
# appears as ``demo/<set>``. A page or app that ships sets elsewhere passes a longer tuple to
# ``DataRoots.from_operator(..., builtin=BUILTIN_ROOTS + (DataRoot(name, path),))``.
BUILTIN_ROOTS: tuple[DataRoot, ...] = (DataRoot("demo", DEMO_SETS),)


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(path))


def _name_parts(name) -> list[str]:
    """The components of a root-relative name, or OutsideRootsError, judged on the text alone."""
    if not isinstance(name, str):
        raise OutsideRootsError()
    text = name.strip()
    if not text or len(text) > MAX_NAME_CHARS or "\x00" in text or "\\" in text or has_lone_surrogate(text):
        raise OutsideRootsError()
    parts = text.split("/")
    # "" catches absolute paths and doubled slashes; hidden parts catch "..", "." and dot folders.
    if any(not part or part.startswith((".", "~")) for part in parts):
        raise OutsideRootsError()
    return parts


class DataRoots:
    """The data roots of one app: what may be listed, resolved and read on a visitor's behalf."""

    def __init__(self, roots: Iterable[DataRoot]):
        resolved: dict[str, DataRoot] = {}
        for root in roots:
            if not ROOT_NAME.fullmatch(root.name):
                raise RootConfigError(f"root name {root.name!r}: use letters, digits, '_', '-' or '.', "
                                      f"starting with a letter or digit")
            if root.name in resolved:
                raise RootConfigError(f"two data roots are named {root.name!r}")
            resolved[root.name] = DataRoot(root.name, _real(root.path))
        self._roots = resolved

    @classmethod
    def from_operator(cls, paths: Iterable[str | Path] = (),
                      builtin: Iterable[DataRoot] = BUILTIN_ROOTS) -> DataRoots:
        """The built-in roots that exist plus the operator's folders, each named after its last part
        (``-2``, ``-3`` added where names repeat). A named folder that is not one is a RootConfigError."""
        roots = [root for root in builtin if root.path.is_dir()]
        taken = {root.name for root in roots}
        for path in paths:
            real = _real(Path(path).expanduser())
            if not real.is_dir():
                raise RootConfigError(f"--data-root {path}: not a folder")
            base = re.sub(r"[^A-Za-z0-9_.-]", "_", real.name).lstrip("._-") or "data"
            name, count = base[:60], 1
            while name in taken:
                count += 1
                name = f"{base[:56]}-{count}"
            taken.add(name)
            roots.append(DataRoot(name, real))
        return cls(roots)

    def with_root(self, name: str, path: str | Path) -> DataRoots:
        """These roots and one more (e.g. a page's own demo set)."""
        return DataRoots([*self._roots.values(), DataRoot(name, Path(path))])

    @property
    def roots(self) -> tuple[DataRoot, ...]:
        return tuple(self._roots.values())

    @property
    def names(self) -> list[str]:
        return list(self._roots)

    # -- the checks --------------------------------------------------------------------------
    def inside(self, path: str | Path) -> bool:
        """Whether ``path``, with every link followed, lies inside a root."""
        real = _real(path)
        return any(real.is_relative_to(root.path) for root in self._roots.values())

    def confine(self, path: str | Path) -> Path:
        """The real path of ``path`` if it lies inside a root, else OutsideRootsError.

        For files a folder refers to (a split file, a motion file): a link inside a root that
        leads out of every root is refused. Whether the place exists is left to the caller.
        """
        real = _real(path)
        if not any(real.is_relative_to(root.path) for root in self._roots.values()):
            raise OutsideRootsError()
        return real

    def resolve(self, name: str, kind: str = "dir") -> Path:
        """The real path of the root-relative ``name`` if it is a folder (``kind="dir"``) or a file
        (``kind="file"``) inside a root; OutsideRootsError for anything else, missing places included."""
        if kind not in ("dir", "file"):
            raise ValueError(f"kind must be 'dir' or 'file', got {kind!r}")
        parts = _name_parts(name)
        root = self._roots.get(parts[0])
        if root is None:
            raise OutsideRootsError()
        real = self.confine(root.path.joinpath(*parts[1:]))
        if not (real.is_dir() if kind == "dir" else real.is_file()):
            raise OutsideRootsError()
        return real

    # -- what a visitor may see --------------------------------------------------------------
    def name_of(self, path: str | Path) -> str:
        """The root-relative name of a place inside a root (the shortest when roots nest)."""
        real = _real(path)
        names = [(len(real.relative_to(root.path).parts), "/".join((root.name, *real.relative_to(root.path).parts)))
                 for root in self._roots.values() if real.is_relative_to(root.path)]
        if not names:
            raise OutsideRootsError()
        return min(names)[1]

    def folders(self, accept: Callable[[Path], bool] | None = None, depth: int = LIST_DEPTH) -> list[str]:
        """Root-relative names of the folders a page may offer: each root and the folders below it
        (``depth`` levels, hidden ones and links out of the roots skipped), those ``accept`` takes."""
        found: list[str] = []

        def visit(name: str, real: Path, level: int, above: tuple[Path, ...] = ()) -> None:
            if real in above or len(found) >= LIST_LIMIT:  # a link back up would loop
                return
            if accept is None or accept(real):
                found.append(name)
            if level >= depth:
                return
            try:  # files are skipped by the entry's own type: a data folder holds thousands of them
                with os.scandir(real) as entries:
                    children = sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())
            except OSError:
                return
            for child in children:
                target = _real(real / child)
                if self.inside(target):
                    visit(f"{name}/{child}", target, level + 1, (*above, real))

        for root in self._roots.values():
            if root.path.is_dir():
                visit(root.name, root.path, 0)
        return found

    def redact(self, text: str) -> str:
        """``text`` with every root's server path replaced by the root's name (a last guard on messages
        that come from deeper code)."""
        for root in sorted(self._roots.values(), key=lambda r: len(str(r.path)), reverse=True):
            text = text.replace(str(root.path), root.name)
        return text


def public_path(path: str | Path, roots: DataRoots | None = None) -> str:
    """How a server path may be shown to a visitor: its root-relative name, else relative to the
    project, else only its last part (never the absolute path)."""
    real = _real(Path(path).expanduser())
    if roots is not None and roots.inside(real):
        return roots.name_of(real)
    if real.is_relative_to(PROJECT):
        return real.relative_to(PROJECT).as_posix() or "."
    return real.name or "."
