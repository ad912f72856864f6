"""What a compose run reads, each named by a digest of its content, so a resume can refuse another one.

A run's identity (``run.run_identity``, kept in ``journal/run.json``) is its settings plus these
records: the *sources* decide the candidates (the real set, the pair model, the single-person prior,
the motion library, the placement table) and go into the set id; the *scorers* decide their scores
(the filter and per-person evaluators). Each record is ``{"path": <as given>, "digest": <hex sha256>}``;
only the digests (and kinds) are compared on resume, so a folder that moved is still the same one while a
checkpoint retrained at the same path is not.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

# the files of a checkpoint folder that decide what it computes (cards and logs do not)
CHECKPOINT_SUFFIXES = (".safetensors", ".json")
COMPARED_ONLY_FOR_INFORMATION = ("path",)


def checkpoint_digest(folder: str | Path) -> str:
    """Hex sha256 over the names and bytes of a checkpoint folder's weights and JSON configs."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix in CHECKPOINT_SUFFIXES):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def checkpoint_source(folder: str | Path) -> dict:
    return {"path": str(folder), "digest": checkpoint_digest(folder)}


def json_digest(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def real_source(real) -> dict:
    """A ``run.RealSet``: its clips, captions and lengths (what the prompt space, E_real and the placements read)."""
    entries = [[e.clip_id, list(e.captions), int(e.length)] for e in real.dataset.entries]
    return {"path": str(real.root), "split": real.dataset.split, "digest": json_digest(entries)}


def library_source(library) -> dict:
    """A ``library.MotionLibrary``: its kind, splits and entries (ids, lengths, captions)."""
    entries = [[e.id, int(e.frames), list(e.captions)] for e in library.entries]
    return {"path": str(library.folder), "kind": library.kind,
            "splits": list(library.splits) if library.splits is not None else None, "digest": json_digest(entries)}


def compared(identity: dict) -> dict:
    """``identity`` without the entries kept for information only (what the set id hashes)."""
    return {k: compared(v) if isinstance(v, dict) else v for k, v in identity.items()
            if k not in COMPARED_ONLY_FOR_INFORMATION}


def changed_entries(stored: dict, current: dict) -> list[str]:
    """Dotted names of what differs between two identities (``model.digest``); paths are not compared."""
    changed = []
    for key in sorted(set(stored) | set(current)):
        if key in COMPARED_ONLY_FOR_INFORMATION:
            continue
        a, b = stored.get(key), current.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changed += [f"{key}.{name}" for name in changed_entries(a, b)]
        elif a != b:
            changed.append(key)
    return changed
