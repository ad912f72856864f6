"""An optional local causal language model (a Hugging Face model folder given by path).

The sampler and the splitter work without one; a user with a model on disk can let it write
descriptions or split them. Nothing is ever downloaded (``local_files_only``), and only
safetensors weights are read, so a model folder cannot run pickled code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXPECTED = ("a local Hugging Face causal language model folder: config.json, tokenizer files "
            "(tokenizer.json or tokenizer_config.json) and safetensors weights (*.safetensors)")


class LanguageModelError(ValueError):
    """The path is not a usable local causal language model folder."""


def check_model_folder(path: str | Path) -> Path:
    """The folder, resolved, when it has what a local causal language model needs; else LanguageModelError."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise LanguageModelError(f"language model folder not found: {path}; expected {EXPECTED}")
    missing = []
    if not (folder / "config.json").is_file():
        missing.append("config.json")
    if not any((folder / name).is_file() for name in ("tokenizer.json", "tokenizer_config.json")):
        missing.append("tokenizer files")
    if not any(folder.glob("*.safetensors")):
        missing.append("safetensors weights")
    if missing:
        raise LanguageModelError(f"{path} is not a language model folder (missing {', '.join(missing)}); "
                                 f"expected {EXPECTED}")
    return folder.resolve()


@dataclass
class LocalLanguageModel:
    tokenizer: object
    model: object

    def complete(self, prompt: str, seed: int, max_new_tokens: int = 48) -> str:
        """The model's continuation of ``prompt`` (sampled, reproducible from ``seed``), first line only."""
        import torch

        inputs = self.tokenizer(prompt, return_tensors="pt")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            output = self.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=True, top_p=0.9,
                                         pad_token_id=self.tokenizer.eos_token_id)
        text = self.tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        return text.strip().split("\n")[0].strip()


def load_language_model(path: str | Path) -> LocalLanguageModel:
    folder = check_model_folder(path)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, use_safetensors=True).eval()
    except (OSError, ValueError, KeyError) as error:
        raise LanguageModelError(f"{path} could not be loaded as a causal language model ({error}); "
                                 f"expected {EXPECTED}") from error
    return LocalLanguageModel(tokenizer, model)
