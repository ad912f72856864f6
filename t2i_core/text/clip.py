"""The paper's encoder: the frozen text tower of CLIP ViT-L/14 (open_clip), 77 tokens, 768-D
features after the final LayerNorm; tokens after the end-of-text token are padding; the pooled
vector is the end-of-text feature through the text projection.

Weights never come from the network. They are looked up, in order, at the path given to the
constructor, at ``$T2I_CLIP_WEIGHTS``, and in an existing Hugging Face hub cache.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from t2i_core.text.base import TextEncoder, TextEncoding

ARCHITECTURE = "ViT-L-14"
HUB_REPO_FOLDER = "models--timm--vit_large_patch14_clip_224.openai"
WEIGHT_NAMES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")
HOW_TO = (
    "CLIP ViT-L/14 weights not found. Supply the open_clip OpenAI ViT-L/14 weights file "
    "(open_clip_model.safetensors from the hub repository timm/vit_large_patch14_clip_224.openai, "
    "or an open_clip state dict in .safetensors/.bin/.pt) with --clip-weights PATH or the environment "
    "variable T2I_CLIP_WEIGHTS=PATH. Looked in: {looked}. Nothing is downloaded."
)


class ClipWeightsNotFoundError(FileNotFoundError):
    pass


def find_clip_weights(path: str | Path | None = None) -> Path:
    looked: list[str] = []
    candidates: list[Path] = []
    if path is not None:
        candidates.append(Path(path).expanduser())
    if os.environ.get("T2I_CLIP_WEIGHTS"):
        candidates.append(Path(os.environ["T2I_CLIP_WEIGHTS"]).expanduser())
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
               / "hub")
    for snapshot in sorted((hub / HUB_REPO_FOLDER / "snapshots").glob("*")):
        candidates += [snapshot / name for name in WEIGHT_NAMES]
    looked.append(str(hub / HUB_REPO_FOLDER))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
        looked.append(str(candidate))
    raise ClipWeightsNotFoundError(HOW_TO.format(looked=", ".join(dict.fromkeys(looked))))


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A weights file as a state dict, never executing pickled code."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    state = torch.load(path, map_location="cpu", weights_only=True)  # restricted unpickler: tensors only
    return state.get("state_dict", state)


class CLIPTextEncoder(TextEncoder):
    name = "clip-vit-l-14"
    dim = 768
    max_tokens = 77

    def __init__(self, weights: str | Path | None = None, device: str | torch.device = "cpu",
                 random_init: bool = False):
        """``random_init=True`` builds the architecture without weights (tests only)."""
        import open_clip

        model = open_clip.create_model(ARCHITECTURE, pretrained=None)
        if not random_init:
            model.load_state_dict(load_state_dict(find_clip_weights(weights)))
        self.model = model.eval().to(device)
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)
        self.tokenizer = open_clip.get_tokenizer(ARCHITECTURE)
        self.device = torch.device(device)

    def _token_string(self, token_id: int) -> str:
        decoder = self.tokenizer.decoder
        text = bytearray(self.tokenizer.byte_decoder[c] for c in decoder[token_id])
        return text.decode("utf-8", errors="replace").replace("</w>", "").strip() or decoder[token_id]

    @torch.no_grad()
    def encode(self, texts: list[str]) -> TextEncoding:
        ids = self.tokenizer(texts).to(self.device)                   # (B, 77), EOT has the largest id
        full_lengths = [len(self.tokenizer.encode(t)) + 2 for t in texts]
        model = self.model
        x = model.token_embedding(ids) + model.positional_embedding
        x = model.transformer(x, attn_mask=model.attn_mask)
        states = model.ln_final(x)                                     # (B, 77, 768)
        eot = ids.argmax(dim=-1)
        positions = torch.arange(ids.shape[1], device=ids.device)
        mask = positions[None] <= eot[:, None]
        pooled = states[torch.arange(len(texts)), eot] @ model.text_projection
        strings = [[self._token_string(t) for t in row[: int(e) + 1]] for row, e in zip(ids.tolist(), eot)]
        return TextEncoding(states, mask, strings, pooled, [n > self.max_tokens for n in full_lengths])
