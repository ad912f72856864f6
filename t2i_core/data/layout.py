"""Where things live in an InterHuman-layout folder (REFERENCE section 1).

```
<root>/annots/<id>.txt                         3 captions, one per line
<root>/motions_processed/person{1,2}/<id>.npy  raw (T, 492) Z-up per person
<root>/split/{train,val,test}.txt   or   <root>/{train,val,test}.txt
<root>/split/ignore_list.txt        or   <root>/ignore_list.txt          (optional)
<root>/annots_individual/person{1,2}/<id>.txt                             (optional)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "val", "test")
ANNOTS = "annots"                        # the folder names of the layout, spelled only here
MOTIONS = "motions_processed"
INDIVIDUAL = "annots_individual"
SPLIT_DIR = "split"


def order_sensitive_list(split: str) -> str:
    """The name of the split-file-like list of a split's clips whose contrast twin differs in order."""
    return f"{split}_order_sensitive"


class DataFolderError(FileNotFoundError):
    """The folder cannot be used: a missing root, sub-folder or split file."""


def _read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass(frozen=True)
class InterHumanLayout:
    root: Path

    @classmethod
    def open(cls, root: str | Path) -> InterHumanLayout:
        root = Path(root).expanduser().resolve()
        if not root.is_dir():
            raise DataFolderError(f"data folder not found: {root}")
        return cls(root)

    # -- folders -------------------------------------------------------------------------
    @property
    def annots_dir(self) -> Path:
        return self.root / ANNOTS

    @property
    def split_dir(self) -> Path:
        """Where split files are written (they are also read from the root, as InterGen has them)."""
        return self.root / SPLIT_DIR

    def motion_dir(self, person: int) -> Path:
        return self.root / MOTIONS / f"person{person}"

    def individual_dir(self, person: int) -> Path:
        return self.root / INDIVIDUAL / f"person{person}"

    def motion_file(self, clip_id: str, person: int) -> Path:
        return self.motion_dir(person) / f"{clip_id}.npy"

    def caption_file(self, clip_id: str) -> Path:
        return self.annots_dir / f"{clip_id}.txt"

    def individual_caption_file(self, clip_id: str, person: int) -> Path:
        return self.individual_dir(person) / f"{clip_id}.txt"

    # -- split files ---------------------------------------------------------------------
    def clip_lists(self) -> list[str]:
        """Names of the other clip lists in ``split/`` (``all``, ``relation_<kind>``, ``test_order_sensitive``...)."""
        if not self.split_dir.is_dir():
            return []
        return sorted(p.stem for p in self.split_dir.glob("*.txt") if p.stem not in SPLITS and p.stem != "ignore_list")

    def split_file(self, split: str) -> Path | None:
        """``split/<split>.txt`` (InterMask, in2IN) or ``<split>.txt`` (InterGen), else None. Besides the three
        splits, any clip list of ``split/`` (an OOD build's ``all`` and ``relation_<kind>``) is accepted."""
        if split not in SPLITS:
            if split in self.clip_lists():
                return self.split_dir / f"{split}.txt"
            lists = self.clip_lists()
            raise ValueError(f"unknown split {split!r}; accepted: {', '.join(SPLITS)}"
                             + (f", or a clip list of this folder: {', '.join(lists)}" if lists else ""))
        for candidate in (self.split_dir / f"{split}.txt", self.root / f"{split}.txt"):
            if candidate.is_file():
                return candidate
        return None

    def split_ids(self, split: str) -> list[str]:
        path = self.split_file(split)
        if path is None:
            raise DataFolderError(
                f"split file for {split!r} not found: looked for {self.split_dir / (split + '.txt')}"
                f" and {self.root / (split + '.txt')}"
            )
        return _read_lines(path)

    def ignore_list(self) -> set[str]:
        for candidate in (self.split_dir / "ignore_list.txt", self.root / "ignore_list.txt"):
            if candidate.is_file():
                return set(_read_lines(candidate))
        return set()

    # -- captions ------------------------------------------------------------------------
    def captions(self, clip_id: str) -> list[str]:
        return _read_lines(self.caption_file(clip_id))

    def individual_captions(self, clip_id: str) -> tuple[list[str], list[str]] | None:
        """Per-person captions (in2IN) when both persons' files exist, else None."""
        files = [self.individual_caption_file(clip_id, p) for p in (1, 2)]
        if not all(f.is_file() for f in files):
            return None
        return _read_lines(files[0]), _read_lines(files[1])

    def require_folders(self) -> None:
        for folder in (self.annots_dir, self.motion_dir(1), self.motion_dir(2)):
            if not folder.is_dir():
                raise DataFolderError(f"missing folder {folder} (expected InterHuman layout under {self.root})")
