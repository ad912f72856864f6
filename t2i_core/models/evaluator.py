"""The text-motion evaluator: an InterCLIP-style dual encoder (REFERENCE section 9).

Motion side, two layouts (``motion_layout``):
* ``joint`` (InterGen's): drop the 4 foot-contact channels (258 per person), concatenate both
  persons (516), group ``patch_frames`` frames per token, project to the latent width, prepend a
  learned query token, add sine positions, run a padding-masked transformer, LayerNorm, and read
  the query out.
* ``single`` (ours, single-person data): the joint layout with one person, so a token holds one
  person's ``patch_frames`` frames; the instrument for the single-person prior.
* ``persons`` (ours): one token stream per person, each token reading (its person, the other
  person) over ``patch_frames`` frames; attention adds a learned per-head bias between tokens of
  the same person. The embedding does not change when the two persons' rows are swapped, and "is
  the person who acts last the one who acted first" becomes attention between one person's
  tokens, which the joint layout must learn as a parity of file order (the evaluator we trained on
  it stayed at chance on who-initiates twins).
Text side, two sources:
* ``clip_embedding`` (InterGen's): CLIP token ids -> CLIP's frozen token + position embeddings
  (CLIP's own transformer unused) -> transformer -> LayerNorm -> the end-of-text token.
* ``encoder_tokens`` (our default): contextual tokens of a frozen encoder (MiniLM) -> linear ->
  learned positions -> padding-masked transformer -> LayerNorm -> masked mean.
Both embeddings are L2-normalised; training uses a symmetric InfoNCE with a learned temperature.
Inputs are *un-normalised* features; ``standardize_input`` (ours) applies fixed statistics
stored in the checkpoint inside the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from t2i_core.models.layers import BiasedEncoderLayer, SinusoidalPositions, masked_mean, transformer_encoder

MOTION_CHANNELS = 258  # 262 minus the 4 foot contacts
TEXT_SOURCES = ("clip_embedding", "encoder_tokens")
MOTION_LAYOUTS = ("joint", "persons", "single")


@dataclass
class EvaluatorConfig:
    patch_frames: int = 1            # frames per motion token (1 = InterGen)
    motion_layout: str = "joint"     # "joint" (InterGen), "persons" (one stream per person) or "single"
    motion_latent: int = 1024        # motion transformer width
    motion_layers: int = 8
    motion_heads: int = 8
    motion_ff: int = 2048
    dropout: float = 0.1
    text_source: str = "clip_embedding"
    text_encoder: str = "clip-vit-l-14"  # which frozen encoder supplies ids/tokens
    text_input_dim: int = 768        # width of the encoder tokens (encoder_tokens only)
    text_width: int = 768
    text_layers: int = 8
    text_heads: int = 8
    text_ff: int = 2048
    vocab_size: int = 49408          # CLIP's (clip_embedding only)
    context_length: int = 77
    embed_dim: int = 512
    max_frames: int = 300
    standardize_input: bool = False  # fixed per-channel (x - mean) / std inside the model

    def __post_init__(self):
        if self.text_source not in TEXT_SOURCES:
            raise ValueError(f"text_source {self.text_source!r}; accepted: {', '.join(TEXT_SOURCES)}")
        if self.motion_layout not in MOTION_LAYOUTS:
            raise ValueError(f"motion_layout {self.motion_layout!r}; accepted: {', '.join(MOTION_LAYOUTS)}")

    @classmethod
    def intergen(cls) -> EvaluatorConfig:
        """InterGen's released evaluator (load its weights with ``load_intergen_state_dict``)."""
        return cls()

    @classmethod
    def small(cls) -> EvaluatorConfig:
        """Our default: the same design on MiniLM tokens, small enough to train on 2 CPU cores."""
        # Persons layout at 8 frames per token: 2 x 38 tokens cost what 1 x 75 did at 4 frames.
        return cls(patch_frames=8, motion_layout="persons", motion_latent=256, motion_layers=4, motion_heads=4,
                   motion_ff=512, text_source="encoder_tokens", text_encoder="minilm", text_input_dim=384,
                   text_width=256, text_layers=2, text_heads=4, text_ff=512, embed_dim=256, standardize_input=True)

    @classmethod
    def single(cls) -> EvaluatorConfig:
        """The small design for one person (HumanML3D-layout data): one token stream of 8 frames a token."""
        return cls(patch_frames=8, motion_layout="single", motion_latent=256, motion_layers=4, motion_heads=4,
                   motion_ff=512, text_source="encoder_tokens", text_encoder="minilm", text_input_dim=384,
                   text_width=256, text_layers=2, text_heads=4, text_ff=512, embed_dim=256, standardize_input=True)

    @property
    def persons(self) -> int:
        """How many persons a motion input holds."""
        return 1 if self.motion_layout == "single" else 2


def _patch_frames(features: torch.Tensor, mask: torch.Tensor, patch: int, mean: torch.Tensor, std: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, P, T, 262) -> standardised, zeroed beyond the length, (B, P, T/patch, patch*258); token mask."""
    batch, persons, frames, _ = features.shape
    x = (features[..., :MOTION_CHANNELS] - mean) / std
    x = x * mask[:, None, :, None]
    pad = (-frames) % patch
    if pad:
        x = F.pad(x, (0, 0, 0, pad))
        mask = F.pad(mask, (0, pad))
    tokens = x.shape[2] // patch
    return x.reshape(batch, persons, tokens, patch * MOTION_CHANNELS), mask.reshape(batch, tokens, patch).any(-1)


class _MotionTowerParts(nn.Module):
    """What both layouts share (names as in InterGen's checkpoint): input, query token, read-out."""

    def __init__(self, config: EvaluatorConfig):
        super().__init__()
        self.patch = config.patch_frames
        self.query_token = nn.Parameter(torch.randn(1, config.motion_latent))
        # persons x patch frames: the joint layout's tokens hold both persons, the persons
        # layout's hold (self, other), the single layout's its one person.
        self.persons = config.persons
        self.input_proj = nn.Linear(config.persons * MOTION_CHANNELS * config.patch_frames, config.motion_latent)
        self.positions = SinusoidalPositions(config.motion_latent, config.max_frames + 1, config.dropout)
        self.out_norm = nn.LayerNorm(config.motion_latent)
        self.out_proj = nn.Linear(config.motion_latent, config.embed_dim)
        self.register_buffer("input_mean", torch.zeros(MOTION_CHANNELS), persistent=config.standardize_input)
        self.register_buffer("input_std", torch.ones(MOTION_CHANNELS), persistent=config.standardize_input)

    def patches(self, features: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return _patch_frames(features, mask, self.patch, self.input_mean, self.input_std)

    def read_out(self, h: torch.Tensor) -> torch.Tensor:
        return self.out_proj(self.out_norm(h)[:, 0])


class MotionTower(_MotionTowerParts):
    """InterGen's layout: both persons of a frame in one token (or the one person, ``single``)."""

    def __init__(self, config: EvaluatorConfig):
        super().__init__(config)
        self.transformer = transformer_encoder(config.motion_latent, config.motion_layers, config.motion_heads,
                                               config.motion_ff, config.dropout)

    def forward(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """features (B, P, T, 262) un-normalised, mask (B, T) -> (B, embed_dim)."""
        batch = features.shape[0]
        if features.shape[1] != self.persons:
            raise ValueError(f"this evaluator reads {self.persons} person(s) a clip, got {features.shape[1]}")
        x, token_mask = self.patches(features, mask)
        # Frame-major within a token (frame, person, channel), as InterGen's 516-wide frames are.
        x = x.reshape(batch, self.persons, x.shape[2], self.patch, MOTION_CHANNELS).permute(0, 2, 3, 1, 4)
        x = x.reshape(batch, x.shape[1], self.patch * self.persons * MOTION_CHANNELS)
        h = torch.cat([self.query_token.expand(batch, 1, -1), self.input_proj(x)], dim=1)
        valid = torch.cat([torch.ones(batch, 1, dtype=torch.bool, device=mask.device), token_mask], dim=1)
        h = self.transformer(self.positions(h), src_key_padding_mask=~valid)
        return self.read_out(h)


class PersonMotionTower(_MotionTowerParts):
    """Our layout: a token stream per person, blind to which person comes first in the file.

    A token reads its own person and the other one, so contact and distance stay first-order.
    """

    def __init__(self, config: EvaluatorConfig):
        super().__init__(config)
        # Spread over the heads so some start looking within a person and some across: started at
        # zero, "same person" would carry no gradient until the features already used it.
        self.same_person_bias = nn.Parameter(torch.linspace(3.0, -1.0, config.motion_heads))
        self.layers = nn.ModuleList(BiasedEncoderLayer(config.motion_latent, config.motion_heads, config.motion_ff,
                                                       config.dropout) for _ in range(config.motion_layers))

    def forward(self, features: torch.Tensor, mask: torch.Tensor, return_tokens: bool = False):
        """features (B, 2, T, 262) un-normalised, mask (B, T) -> (B, embed_dim).

        With ``return_tokens``: also the final token states (B, 2, T/patch, latent), person by
        person in file order, and their mask (B, T/patch), for per-token training probes.
        """
        batch = features.shape[0]
        x, token_mask = self.patches(features, mask)
        tokens = x.shape[2]
        if tokens >= self.positions.table.shape[0]:
            raise ValueError(f"{tokens} motion tokens exceed the {self.positions.table.shape[0] - 1} "
                             f"token positions this evaluator encodes")
        h = self.input_proj(torch.cat([x, x.flip(1)], dim=-1))          # (B, 2, n, W): (self, other)
        h = h.reshape(batch, 2 * tokens, -1)
        h = torch.cat([self.query_token.expand(batch, 1, -1), h], dim=1)
        # Both persons' tokens of one time share its position code (index 1..n; the query has 0).
        order = torch.cat([torch.zeros(1, dtype=torch.long), torch.arange(1, tokens + 1).repeat(2)])
        h = self.positions.dropout(h + self.positions.table[order.to(h.device)])
        person = torch.cat([torch.tensor([-1]), torch.arange(2).repeat_interleave(tokens)]).to(h.device)
        same = ((person[:, None] == person[None]) & (person[:, None] >= 0)).to(h.dtype)
        valid = torch.cat([torch.ones(batch, 1, dtype=torch.bool, device=mask.device), token_mask, token_mask], 1)
        padding = torch.zeros(valid.shape, dtype=h.dtype, device=h.device).masked_fill(~valid, float("-inf"))
        bias = self.same_person_bias[None, :, None, None] * same + padding[:, None, None, :]  # (B, H, S, S)
        for layer in self.layers:
            h = layer(h, bias)
        embedding = self.read_out(h)
        if return_tokens:
            return embedding, h[:, 1:].reshape(batch, 2, tokens, -1), token_mask
        return embedding


class ClipEmbeddingTextTower(nn.Module):
    """InterGen's text side on CLIP token ids."""

    def __init__(self, config: EvaluatorConfig):
        super().__init__()
        self.token_embedding = nn.Embedding(config.vocab_size, config.text_width)
        self.token_embedding.requires_grad_(False)
        self.positional_embedding = nn.Parameter(torch.zeros(config.context_length, config.text_width))
        self.transformer = transformer_encoder(config.text_width, config.text_layers, config.text_heads,
                                               config.text_ff, config.dropout)
        self.out_norm = nn.LayerNorm(config.text_width)
        self.out_proj = nn.Linear(config.text_width, config.embed_dim)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        h = self.token_embedding(token_ids) + self.positional_embedding
        h = self.out_norm(self.transformer(h))
        return self.out_proj(h[torch.arange(h.shape[0]), token_ids.argmax(dim=-1)])


class EncoderTokenTextTower(nn.Module):
    """Our text side on a frozen encoder's contextual tokens."""

    def __init__(self, config: EvaluatorConfig):
        super().__init__()
        self.input_proj = nn.Linear(config.text_input_dim, config.text_width)
        self.positional_embedding = nn.Parameter(torch.zeros(config.context_length, config.text_width))
        nn.init.normal_(self.positional_embedding, std=0.02)
        self.transformer = transformer_encoder(config.text_width, config.text_layers, config.text_heads,
                                               config.text_ff, config.dropout)
        self.out_norm = nn.LayerNorm(config.text_width)
        self.out_proj = nn.Linear(config.text_width, config.embed_dim)

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.input_proj(tokens) + self.positional_embedding[: tokens.shape[1]]
        h = self.out_norm(self.transformer(h, src_key_padding_mask=~mask))
        return self.out_proj(masked_mean(h, mask))


class InteractionEvaluator(nn.Module):
    def __init__(self, config: EvaluatorConfig):
        super().__init__()
        self.config = config
        self.motion = PersonMotionTower(config) if config.motion_layout == "persons" else MotionTower(config)
        if config.text_source == "clip_embedding":
            self.text = ClipEmbeddingTextTower(config)
        else:
            self.text = EncoderTokenTextTower(config)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def set_input_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Fix the motion standardisation from (262,) or (258,) statistics."""
        self.motion.input_mean.copy_(torch.as_tensor(mean)[:MOTION_CHANNELS])
        self.motion.input_std.copy_(torch.as_tensor(std)[:MOTION_CHANNELS].clamp(min=1e-4))

    def encode_motion(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.motion(features, mask), dim=-1)

    def encode_motion_tokens(self, features: torch.Tensor, mask: torch.Tensor
                             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The unit embedding, the final token states (B, 2, n, latent) and their mask (persons layout)."""
        if self.config.motion_layout != "persons":
            raise ValueError("per-person token states need the persons motion layout, "
                             f"not {self.config.motion_layout!r}")
        embedding, tokens, token_mask = self.motion(features, mask, return_tokens=True)
        return F.normalize(embedding, dim=-1), tokens, token_mask

    def encode_text(self, tokens: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``tokens``: CLIP ids (B, 77) for clip_embedding, or (B, L, D) features + mask."""
        if self.config.text_source == "clip_embedding":
            return F.normalize(self.text(tokens), dim=-1)
        return F.normalize(self.text(tokens, mask), dim=-1)

    def contrastive_loss(self, text_emb: torch.Tensor, motion_emb: torch.Tensor,
                         same_text: torch.Tensor | None = None) -> torch.Tensor:
        """Symmetric InfoNCE. ``same_text`` (B, B) marks pairs sharing a caption: not negatives."""
        logits = self.logit_scale.exp().clamp(max=100) * text_emb @ motion_emb.T
        if same_text is not None:
            logits = logits.masked_fill(same_text & ~torch.eye(len(logits), dtype=torch.bool,
                                                                device=logits.device), float("-inf"))
        targets = torch.arange(len(logits), device=logits.device)
        return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2

    def twin_loss(self, text_emb: torch.Tensor, motion_emb: torch.Tensor, partners: torch.Tensor) -> torch.Tensor:
        """Two-way cross-entropy between each item and its contrast twin (``partners[i]``, -1: none).

        For item i with twin j: its caption must pick its own motion over the twin's, and its motion
        its own caption over the twin's. A batch-wide InfoNCE lets this one hard negative drown among
        the easy ones; this term makes it count. Zero when no item has a twin in the batch.
        """
        have = torch.nonzero(partners >= 0).flatten()
        if len(have) == 0:
            return text_emb.sum() * 0.0
        twin = partners[have]
        scale = self.logit_scale.exp().clamp(max=100)
        own = (text_emb[have] * motion_emb[have]).sum(-1)
        text_to_twin_motion = (text_emb[have] * motion_emb[twin]).sum(-1)
        twin_text_to_motion = (text_emb[twin] * motion_emb[have]).sum(-1)
        zeros = torch.zeros(len(have), dtype=torch.long, device=text_emb.device)
        by_text = scale * torch.stack([own, text_to_twin_motion], dim=1)
        by_motion = scale * torch.stack([own, twin_text_to_motion], dim=1)
        return (F.cross_entropy(by_text, zeros) + F.cross_entropy(by_motion, zeros)) / 2


# -- InterGen's released evaluator checkpoint -> our module names -----------------------------
_INTERGEN_PREFIXES = (
    ("motion_encoder.query_token", "motion.query_token"),
    ("motion_encoder.embed_motion.", "motion.input_proj."),
    ("motion_encoder.transformer.", "motion.transformer."),
    ("motion_encoder.out_ln.", "motion.out_norm."),
    ("motion_encoder.out.", "motion.out_proj."),
    ("token_embedding.", "text.token_embedding."),
    ("positional_embedding", "text.positional_embedding"),
    ("textTransEncoder.", "text.transformer."),
    ("text_ln.", "text.out_norm."),
    ("out.", "text.out_proj."),
)
# Deterministic or unused in evaluation: position tables and InterGen's latent scale.
_INTERGEN_DROPPED = ("motion_encoder.sequence_pos_encoder.", "latent_scale")


def map_intergen_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename an InterGen evaluator state dict (with or without Lightning's ``model.`` prefix)."""
    mapped: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        name = key[len("model."):] if key.startswith("model.") else key
        if name.startswith(_INTERGEN_DROPPED):
            continue
        for theirs, ours in _INTERGEN_PREFIXES:
            if name.startswith(theirs):
                mapped[ours + name[len(theirs):]] = value
                break
        else:
            raise KeyError(f"unexpected key {key!r} in an InterGen evaluator state dict")
    return mapped


def load_intergen_state_dict(state: dict[str, torch.Tensor]) -> InteractionEvaluator:
    """Build InterGen's evaluator and load its weights (strict: every tensor must match)."""
    model = InteractionEvaluator(EvaluatorConfig.intergen())
    mapped = map_intergen_state_dict(state)
    mapped.setdefault("logit_scale", model.logit_scale.detach().clone())
    model.load_state_dict(mapped, strict=True)
    return model
