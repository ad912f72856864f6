"""InterActor: the two-person diffusion denoiser with word-level text conditioning (REFERENCE 7).

Each block, for each person: word-level cross-attention (motion queries, word keys/values)
-> self-attention within the person -> cross-attention to the other person -> feed-forward,
every sub-layer pre-normed by an adaptive LayerNorm driven by the diffusion timestep. One set
of weights serves both persons: the persons are stacked on the batch axis and each one's
"other" is its partner in the stack. The network predicts the clean (normalised) x0.

``conditioning="sentence"`` is InterGen's scheme for the ablation: the pooled sentence vector
is added to the timestep embedding and the word cross-attention is removed.

The text keys always include one learned "null" token, so a caption dropped for classifier-free
guidance is simply a caption whose words are all masked out.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from t2i_core.models.attention import Attention
from t2i_core.models.layers import AdaptiveLayerNorm, FeedForward, SinusoidalPositions, timestep_embedding

CONDITIONINGS = ("word", "sentence")


@dataclass
class InterActorConfig:
    feature_dim: int = 262           # per-person frame feature
    latent_dim: int = 512            # transformer width (the paper does not publish it)
    num_blocks: int = 12             # the paper's depth
    num_heads: int = 8
    ff_size: int = 1024
    dropout: float = 0.1
    text_encoder: str = "clip-vit-l-14"
    text_dim: int = 768              # width of the encoder's word tokens
    conditioning: str = "word"       # "word" (the paper) or "sentence" (InterGen-style ablation)
    max_frames: int = 300
    frames_per_token: int = 1        # >1 groups frames into one token: cheaper on a CPU, coarser in time

    def __post_init__(self):
        if self.conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning {self.conditioning!r}; accepted: {', '.join(CONDITIONINGS)}")

    @classmethod
    def paper(cls, **overrides) -> InterActorConfig:
        """The paper's 12 blocks on CLIP ViT-L/14 word tokens."""
        return cls(**overrides)

    @classmethod
    def tiny(cls, **overrides) -> InterActorConfig:
        """For tests and smoke runs only."""
        values = {"latent_dim": 32, "num_blocks": 2, "num_heads": 2, "ff_size": 64, "text_encoder": "minilm",
                  "text_dim": 384, "frames_per_token": 3, "dropout": 0.0}
        values.update(overrides)
        return cls(**values)

    @classmethod
    def small(cls, **overrides) -> InterActorConfig:
        """The shipped model: small enough to train and sample on a 2-core CPU, on MiniLM tokens."""
        values = {"latent_dim": 128, "num_blocks": 4, "num_heads": 4, "ff_size": 256, "text_encoder": "minilm",
                  "text_dim": 384, "frames_per_token": 3}
        values.update(overrides)
        return cls(**values)


class InterActorBlock(nn.Module):
    def __init__(self, config: InterActorConfig):
        super().__init__()
        dim, heads, dropout = config.latent_dim, config.num_heads, config.dropout
        self.word_level = config.conditioning == "word"
        if self.word_level:
            self.word_norm = AdaptiveLayerNorm(dim)
            self.word_attention = Attention(dim, heads)
        self.self_norm = AdaptiveLayerNorm(dim)
        # No dropout inside attention (it forces the slow attention kernel); residual dropout stays.
        self.self_attention = Attention(dim, heads)
        self.person_norm = AdaptiveLayerNorm(dim)
        self.person_attention = Attention(dim, heads)
        self.ff_norm = AdaptiveLayerNorm(dim)
        self.ff = FeedForward(dim, config.ff_size, dropout)
        self.drop = nn.Dropout(dropout)

    @staticmethod
    def partner(x: torch.Tensor) -> torch.Tensor:
        """(2B, ...) stacked [persons 1; persons 2] -> each row's partner."""
        half = x.shape[0] // 2
        return torch.cat([x[half:], x[:half]])

    def forward(self, h, condition, words, word_mask, frame_mask, need_weights=False):
        maps = {}
        if self.word_level:
            out, maps["word"] = self.word_attention(self.word_norm(h, condition), words, word_mask, need_weights)
            h = h + self.drop(out)
        normed = self.self_norm(h, condition)
        out, maps["self"] = self.self_attention(normed, normed, frame_mask, need_weights)
        h = h + self.drop(out)
        normed = self.person_norm(h, condition)
        out, maps["person"] = self.person_attention(normed, self.partner(normed), self.partner(frame_mask),
                                                    need_weights)
        h = h + self.drop(out)
        h = h + self.drop(self.ff(self.ff_norm(h, condition)))
        return h, maps


class InterActor(nn.Module):
    def __init__(self, config: InterActorConfig):
        super().__init__()
        self.config = config
        dim = config.latent_dim
        per_token = config.feature_dim * config.frames_per_token
        self.motion_in = nn.Linear(per_token, dim)
        self.positions = SinusoidalPositions(dim, -(-config.max_frames // config.frames_per_token), config.dropout)
        self.time_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        if config.conditioning == "word":
            self.word_in = nn.Sequential(nn.LayerNorm(config.text_dim), nn.Linear(config.text_dim, dim))
            self.null_word = nn.Parameter(torch.zeros(1, 1, dim))
        else:
            self.sentence_in = nn.Linear(config.text_dim, dim)
        self.blocks = nn.ModuleList(InterActorBlock(config) for _ in range(config.num_blocks))
        self.out_norm = AdaptiveLayerNorm(dim)
        self.motion_out = nn.Linear(dim, per_token)
        nn.init.zeros_(self.motion_out.weight)  # start by predicting the mean pose (x0 = 0 normalised)
        nn.init.zeros_(self.motion_out.bias)

    def forward(self, x, timesteps, words, word_mask, pooled, frame_mask, drop_text=None, need_weights=False):
        """Predict normalised x0.

        x (B, 2, T, 262) noisy normalised motion; timesteps (B,); words (B, L, text_dim) with
        word_mask (B, L); pooled (B, text_dim); frame_mask (B, T); drop_text (B,) bool marks
        samples whose caption is dropped (classifier-free guidance).
        Returns x0 (B, 2, T, 262) and, with ``need_weights``, a list per block of maps over
        motion tokens (``frames_per_token`` frames each): {"word": (B, 2, heads, N, L+1) with the
        null token first, "self" and "person": (B, 2, heads, N, N)}.
        """
        batch, _, frames, _ = x.shape
        step = self.config.frames_per_token
        pad = (-frames) % step
        if pad:
            x = torch.nn.functional.pad(x, (0, 0, 0, pad))
            frame_mask = torch.nn.functional.pad(frame_mask, (0, pad))
        tokens = (frames + pad) // step
        token_mask = frame_mask.view(batch, tokens, step).any(-1)
        if drop_text is None:
            drop_text = torch.zeros(batch, dtype=torch.bool, device=x.device)
        condition = self.time_mlp(timestep_embedding(timesteps, self.config.latent_dim))
        keep = (~drop_text).to(x.dtype)[:, None]
        if self.config.conditioning == "sentence":
            condition = condition + self.sentence_in(pooled) * keep
            word_tokens = word_keys = None
        else:
            word_tokens = torch.cat([self.null_word.expand(batch, 1, -1), self.word_in(words)], dim=1)
            word_keys = torch.cat([torch.ones(batch, 1, dtype=torch.bool, device=x.device),
                                   word_mask & ~drop_text[:, None]], dim=1)

        # persons on the batch axis: rows [0, B) are person 1, rows [B, 2B) person 2
        h = self.positions(self.motion_in(x.transpose(0, 1).reshape(2 * batch, tokens, -1)))
        condition2 = condition.repeat(2, 1)
        token_mask2 = token_mask.repeat(2, 1)
        if word_tokens is not None:
            word_tokens, word_keys = word_tokens.repeat(2, 1, 1), word_keys.repeat(2, 1)
        maps = []
        for block in self.blocks:
            h, block_maps = block(h, condition2, word_tokens, word_keys, token_mask2, need_weights)
            if need_weights:
                maps.append({k: v.view(2, batch, *v.shape[1:]).transpose(0, 1) for k, v in block_maps.items()})
        out = self.motion_out(self.out_norm(h, condition2))
        out = out.view(2, batch, tokens * step, -1).transpose(0, 1)[:, :, :frames]
        return (out, maps) if need_weights else out
