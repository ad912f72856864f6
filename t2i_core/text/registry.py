"""Encoders by name, so a checkpoint's JSON config can say which one it reads."""

from __future__ import annotations

from pathlib import Path

from t2i_core.text.base import TextEncoder

ENCODER_NAMES = ("minilm", "clip-vit-l-14")


def build_text_encoder(name: str, device: str = "cpu", clip_weights: str | Path | None = None) -> TextEncoder:
    if name == "minilm":
        from t2i_core.text.minilm import MiniLMEncoder

        return MiniLMEncoder(device=device)
    if name == "clip-vit-l-14":
        from t2i_core.text.clip import CLIPTextEncoder

        return CLIPTextEncoder(weights=clip_weights, device=device)
    raise ValueError(f"unknown text encoder {name!r}; accepted: {', '.join(ENCODER_NAMES)}")
