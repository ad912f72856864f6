"""Word-level text encoders: a batch of strings -> per-token features, mask, tokens, pooled vector."""

from t2i_core.text.base import TextEncoder, TextEncoding
from t2i_core.text.registry import ENCODER_NAMES, build_text_encoder

__all__ = ["ENCODER_NAMES", "TextEncoder", "TextEncoding", "build_text_encoder"]
