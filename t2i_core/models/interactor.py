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

from dataclasses import dataclass, replace

import torch
from torch import nn

from t2i_core.models.attention import Attention
from t2i_core.models.layers import (
    AdaptiveLayerNorm,
    FeedForward,
    SinusoidalPositions,
    TokenConditions,
    timestep_embedding,
)

CONDITIONINGS = ("word", "sentence")
HEADS = ("linear", "conv")


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
    # How tokens become frames. "linear": one linear map per token (frames of a token are independent
    # of the next token's, so motion jumps at token boundaries). "conv": the linear map to a narrower
    # per-frame feature, then a temporal convolution across frames (and so across token boundaries).
    head: str = "linear"
    head_channels: int = 64          # per-frame width before the "conv" head's convolution
    head_kernel: int = 7             # frames the "conv" head's convolution spans (odd)
    # 2: the two-person InterActor. 1: the single-person prior of InterCompose (person 1 of a
    # composed pair): the same blocks without the cross-attention to a partner.
    persons: int = 2

    def __post_init__(self):
        if self.conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning {self.conditioning!r}; accepted: {', '.join(CONDITIONINGS)}")
        if self.head not in HEADS:
            raise ValueError(f"head {self.head!r}; accepted: {', '.join(HEADS)}")
        if self.persons not in (1, 2):
            raise ValueError(f"persons must be 1 (single-person prior) or 2 (InterActor), got {self.persons}")
        if self.head_kernel < 1 or self.head_kernel % 2 == 0:
            raise ValueError(f"head_kernel must be an odd number >= 1, got {self.head_kernel}")

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
    def single(cls, **overrides) -> InterActorConfig:
        """The shipped single-person prior: the small config for one person."""
        return cls.small(**{"persons": 1, **overrides})

    @classmethod
    def small(cls, **overrides) -> InterActorConfig:
        """The shipped model: small enough to train and sample on a 2-core CPU, on MiniLM tokens."""
        values = {"latent_dim": 128, "num_blocks": 4, "num_heads": 4, "ff_size": 256, "text_encoder": "minilm",
                  "text_dim": 384, "frames_per_token": 3, "head": "conv"}
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
        self.pair = config.persons == 2
        if self.pair:
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
        if self.pair:
            normed = self.person_norm(h, condition)
            out, maps["person"] = self.person_attention(normed, self.partner(normed), self.partner(frame_mask),
                                                        need_weights)
            h = h + self.drop(out)
        h = h + self.drop(self.ff(self.ff_norm(h, condition)))
        return h, maps


class ConvMotionHead(nn.Module):
    """Tokens (N, tokens, dim) -> frames (N, tokens * frames_per_token, feature_dim) through a
    temporal convolution, so neighbouring frames of adjacent tokens are predicted together."""

    def __init__(self, config: InterActorConfig):
        super().__init__()
        self.step = config.frames_per_token
        self.linear = nn.Linear(config.latent_dim, config.head_channels * self.step)
        self.conv = nn.Conv1d(config.head_channels, config.feature_dim, config.head_kernel,
                              padding=config.head_kernel // 2)
        nn.init.zeros_(self.conv.weight)  # start by predicting the mean pose (x0 = 0 normalised)
        nn.init.zeros_(self.conv.bias)

    def forward(self, h: torch.Tensor, token_mask: torch.Tensor) -> torch.Tensor:
        rows, tokens, _ = h.shape
        frames = self.linear(h).reshape(rows, tokens * self.step, -1)
        # padded frames must not leak into real ones through the convolution
        frame_mask = token_mask.repeat_interleave(self.step, dim=1)[..., None].to(frames.dtype)
        frames = torch.nn.functional.gelu(frames) * frame_mask
        return self.conv(frames.transpose(1, 2)).transpose(1, 2)


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
        if config.head == "conv":
            self.motion_out = ConvMotionHead(config)
        else:  # "linear": the name and shape of the shipped checkpoints' parameters
            self.motion_out = nn.Linear(dim, per_token)
            nn.init.zeros_(self.motion_out.weight)  # start by predicting the mean pose (x0 = 0 normalised)
            nn.init.zeros_(self.motion_out.bias)

    def forward(self, x, timesteps, words, word_mask, pooled, frame_mask, drop_text=None, need_weights=False):
        """Predict normalised x0.

        x (B, P, T, 262) noisy normalised motion, P = ``config.persons``; timesteps (B,), or (B, P)
        for one timestep per person (a person given clean, as in reaction generation, has timestep 0),
        or (B, P, T) one per frame (frames given clean, as a scene's prefix, have timestep 0): a motion
        token takes the largest of its frames', so it is at 0 only when all its frames are given;
        words (B, L, text_dim) with word_mask (B, L); pooled (B, text_dim); frame_mask (B, T); drop_text (B,) bool marks
        samples whose caption is dropped (classifier-free guidance).
        Returns x0 (B, P, T, 262) and, with ``need_weights``, a list per block of maps over
        motion tokens (``frames_per_token`` frames each): {"word": (B, 2, heads, N, L+1) with the
        null token first, "self" and "person": (B, 2, heads, N, N)}.
        """
        batch, persons, frames, _ = x.shape
        if persons != self.config.persons:
            raise ValueError(f"this model denoises {self.config.persons} person(s), got x of shape {tuple(x.shape)}")
        step = self.config.frames_per_token
        pad = (-frames) % step
        if pad:
            x = torch.nn.functional.pad(x, (0, 0, 0, pad))
            frame_mask = torch.nn.functional.pad(frame_mask, (0, pad))
        tokens = (frames + pad) // step
        token_mask = frame_mask.view(batch, tokens, step).any(-1)
        if drop_text is None:
            drop_text = torch.zeros(batch, dtype=torch.bool, device=x.device)
        # one timestep per row of the person-stacked batch: rows [0, B) person 1, [B, 2B) person 2
        condition2 = self._time_condition(timesteps, batch, persons, frames, pad)
        keep = (~drop_text).to(x.dtype)[:, None]
        if self.config.conditioning == "sentence":
            sentence = (self.sentence_in(pooled) * keep).repeat(persons, 1)
            if isinstance(condition2, TokenConditions):
                condition2 = replace(condition2, values=condition2.values + sentence[condition2.rows])
            else:
                condition2 = condition2 + sentence
            word_tokens = word_keys = None
        else:
            word_tokens = torch.cat([self.null_word.expand(batch, 1, -1), self.word_in(words)], dim=1)
            word_keys = torch.cat([torch.ones(batch, 1, dtype=torch.bool, device=x.device),
                                   word_mask & ~drop_text[:, None]], dim=1)

        # persons on the batch axis: rows [0, B) are person 1, rows [B, 2B) person 2
        h = self.positions(self.motion_in(x.transpose(0, 1).reshape(persons * batch, tokens, -1)))
        token_mask2 = token_mask.repeat(persons, 1)
        if word_tokens is not None:
            word_tokens, word_keys = word_tokens.repeat(persons, 1, 1), word_keys.repeat(persons, 1)
        maps = []
        for block in self.blocks:
            h, block_maps = block(h, condition2, word_tokens, word_keys, token_mask2, need_weights)
            if need_weights:
                maps.append({k: v.view(persons, batch, *v.shape[1:]).transpose(0, 1) for k, v in block_maps.items()})
        normed = self.out_norm(h, condition2)
        out = self.motion_out(normed, token_mask2) if self.config.head == "conv" else self.motion_out(normed)
        out = out.view(persons, batch, tokens * step, -1).transpose(0, 1)[:, :, :frames]
        return (out, maps) if need_weights else out

    def _time_condition(self, timesteps, batch: int, persons: int, frames: int, pad: int
                        ) -> torch.Tensor | TokenConditions:
        """The AdaLN condition of the timesteps: (P * B, dim), or ``TokenConditions`` for per-frame ones."""
        dim = self.config.latent_dim
        if timesteps.ndim == 3:
            if timesteps.shape != (batch, persons, frames):
                raise ValueError(f"per-frame timesteps must be ({batch}, {persons}, {frames}), "
                                 f"got {tuple(timesteps.shape)}")
            per_token = torch.nn.functional.pad(timesteps, (0, pad)).view(batch, persons, -1,
                                                                          self.config.frames_per_token).amax(-1)
            per_row = per_token.transpose(0, 1).reshape(persons * batch, -1)  # rows as the person-stacked batch
            # a row's tokens take one or two timesteps (t, and 0 where given): embed each (row, timestep) once
            span = int(per_row.max()) + 1
            row_ids = torch.arange(per_row.shape[0], device=per_row.device)[:, None]
            keys, index = torch.unique(row_ids * span + per_row, return_inverse=True)
            values = self.time_mlp(timestep_embedding(keys % span, dim))
            return TokenConditions(values, index, torch.div(keys, span, rounding_mode="floor"))
        if timesteps.ndim == 2:
            return self.time_mlp(timestep_embedding(timesteps.transpose(0, 1).reshape(persons * batch), dim))
        # one timestep for both: embed once (the same numbers as before per-person timesteps existed)
        return self.time_mlp(timestep_embedding(timesteps, dim)).repeat(persons, 1)
