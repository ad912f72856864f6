"""A trained evaluator ready to score: the network and its text encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from t2i_core.models.evaluator import InteractionEvaluator
from t2i_core.models.registry import EVALUATOR, load_checkpoint
from t2i_core.text.base import TextEncoder
from t2i_core.text.cache import TextFeatureCache
from t2i_core.text.registry import build_text_encoder


class TextMotionScorer:
    """Embeds captions and motions with a trained evaluator (no gradients)."""

    def __init__(self, model: InteractionEvaluator, text_encoder: TextEncoder, device: str = "cpu",
                 batch_size: int = 64):
        self.model = model.eval().to(device)
        self.texts = TextFeatureCache(text_encoder)
        self.device, self.batch_size = device, batch_size

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "cpu", text_encoder: TextEncoder | None = None):
        model = load_checkpoint(folder, EVALUATOR).model
        if model.config.text_source != "encoder_tokens":
            raise ValueError("scoring with a clip_embedding evaluator needs CLIP token ids; not supported here yet")
        encoder = text_encoder or build_text_encoder(model.config.text_encoder, device=device)
        if encoder.name != model.config.text_encoder:
            raise ValueError(f"evaluator reads {model.config.text_encoder!r} tokens, got encoder {encoder.name!r}")
        return cls(model, encoder, device)

    @torch.no_grad()
    def embed_texts(self, texts: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), self.batch_size):
            tokens, mask, _ = self.texts.batch(texts[start:start + self.batch_size])
            out.append(self.model.encode_text(tokens.to(self.device), mask.to(self.device)).cpu())
        return torch.cat(out).numpy() if out else np.zeros((0, self.model.config.embed_dim))

    @torch.no_grad()
    def embed_motions(self, features: np.ndarray | torch.Tensor, lengths) -> np.ndarray:
        """Un-normalised features (N, P, T, 262) with true lengths (N,) -> (N, embed_dim); P is the evaluator's
        number of persons (2, or 1 for a single-person evaluator)."""
        features = torch.as_tensor(np.asarray(features), dtype=torch.float32)
        persons = self.model.config.persons
        if features.ndim != 4 or features.shape[1] != persons:
            kind = "a single-person evaluator (one person a clip)" if persons == 1 else "a two-person evaluator"
            raise ValueError(f"this is {kind}; it cannot score motions shaped {tuple(features.shape[1:])}: "
                             f"pass ({persons}, T, 262) motions (HumanML3D-layout data for one person, "
                             "InterHuman-layout data for pairs)")
        lengths = torch.as_tensor(np.asarray(lengths))
        mask = torch.arange(features.shape[2])[None] < lengths[:, None]
        out = []
        for start in range(0, len(features), self.batch_size):
            chunk = slice(start, start + self.batch_size)
            out.append(self.model.encode_motion(features[chunk].to(self.device), mask[chunk].to(self.device)).cpu())
        return torch.cat(out).numpy() if out else np.zeros((0, self.model.config.embed_dim))

    def cosine(self, texts: list[str], features, lengths) -> np.ndarray:
        """Cosine similarity of each text with its motion (both embeddings are unit length)."""
        return (self.embed_texts(texts) * self.embed_motions(features, lengths)).sum(-1)
