"""Encoded captions, cached by (encoder, text), so training does not re-encode every epoch.

Each text's real tokens are kept trimmed, as float16, with its pooled vector; batches are padded
on the way out. ``save``/``load`` persist the cache as one safetensors file (atomic write). Jobs that
run side by side (a training, a compose run, an evaluation) share the file: ``save`` holds a lock and
merges what the file gained since it was read, so no job's captions are lost to another's write.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from pathlib import Path

import torch
from safetensors.torch import load_file, save

from t2i_core.io import atomic_write_bytes
from t2i_core.text.base import TextEncoder


class TextFeatureCache:
    def __init__(self, encoder: TextEncoder, path: str | Path | None = None, batch_size: int = 256):
        self.encoder, self.batch_size = encoder, batch_size
        self.path = Path(path) if path is not None else None
        self._tokens: dict[str, torch.Tensor] = {}
        self._pooled: dict[str, torch.Tensor] = {}
        self._dirty = False
        if self.path is not None and self.path.is_file():
            self._merge_stored()

    def _merge_stored(self) -> None:
        """Take every entry of the file that this cache does not hold yet."""
        for name, tensor in load_file(str(self.path)).items():
            kind, key = name.split(":", 1)
            (self._tokens if kind == "t" else self._pooled).setdefault(key, tensor)

    def key(self, text: str) -> str:
        return hashlib.sha1(f"{self.encoder.name}\0{text}".encode()).hexdigest()

    def __len__(self) -> int:
        return len(self._tokens)

    def add(self, texts: Iterable[str], progress: bool = False) -> None:
        """Encode every text not cached yet, in batches."""
        missing = list(dict.fromkeys(t for t in texts if self.key(t) not in self._tokens))
        steps = range(0, len(missing), self.batch_size)
        if progress:
            from tqdm import tqdm

            steps = tqdm(steps, desc=f"encoding captions ({self.encoder.name})", unit="batch")
        for start in steps:
            chunk = missing[start:start + self.batch_size]
            encoding = self.encoder(chunk)
            for i, text in enumerate(chunk):
                key = self.key(text)
                self._tokens[key] = encoding.tokens[i, encoding.mask[i]].to("cpu", torch.float16).clone()
                self._pooled[key] = encoding.pooled[i].to("cpu", torch.float16).clone()
            self._dirty = True

    def batch(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Padded float32 tokens (B, L, D), mask (B, L) and pooled (B, D); encodes misses first."""
        self.add(texts)
        tokens = [self._tokens[self.key(t)] for t in texts]
        longest = max(t.shape[0] for t in tokens)
        padded = torch.zeros(len(texts), longest, self.encoder.dim)
        mask = torch.zeros(len(texts), longest, dtype=torch.bool)
        for i, t in enumerate(tokens):
            padded[i, : t.shape[0]] = t.float()
            mask[i, : t.shape[0]] = True
        return padded, mask, self.pooled(texts)

    def pooled(self, texts: list[str]) -> torch.Tensor:
        """Float32 sentence vectors (B, D) only (no padded tokens); encodes misses first."""
        self.add(texts)
        return torch.stack([self._pooled[self.key(t)].float() for t in texts])

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            _lock(lock)  # one writer at a time; the file may have grown since it was read
            if self.path.is_file():
                self._merge_stored()
            tensors = {f"t:{k}": v for k, v in self._tokens.items()}
            tensors.update({f"p:{k}": v for k, v in self._pooled.items()})
            atomic_write_bytes(self.path, save(tensors))
        self._dirty = False


def text_cache_path(cache_dir: str | Path | None, encoder_name: str) -> Path:
    """The persistent caption cache of an encoder: ``<cache_dir>/text/<encoder>.safetensors``, or next to the
    default feature cache when no ``cache_dir`` is given (training, evaluation and compose share it)."""
    from t2i_core.data.clips import default_cache_dir

    base = Path(cache_dir) if cache_dir is not None else default_cache_dir().parent
    return base / "text" / f"{encoder_name}.safetensors"


def _lock(handle) -> None:
    """An exclusive lock on an open file, released when it closes (POSIX; elsewhere writers are not serialised)."""
    with contextlib.suppress(ImportError):
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)
