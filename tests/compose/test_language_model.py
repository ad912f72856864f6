import pytest

from t2i_core.compose.language_model import LanguageModelError, check_model_folder, load_language_model


def test_a_missing_folder_says_what_is_expected(tmp_path):
    with pytest.raises(LanguageModelError, match="not found.*config.json.*safetensors"):
        load_language_model(tmp_path / "nope")


def test_a_folder_without_a_model_lists_what_is_missing(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(LanguageModelError, match=r"missing tokenizer files, safetensors weights"):
        check_model_folder(tmp_path)
    (tmp_path / "pytorch_model.bin").write_bytes(b"\0")  # pickled weights are not read
    with pytest.raises(LanguageModelError, match="safetensors weights"):
        check_model_folder(tmp_path)


def test_a_folder_that_looks_right_but_does_not_load(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "no-such-model"}')
    (tmp_path / "tokenizer_config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 16)
    assert check_model_folder(tmp_path) == tmp_path.resolve()
    with pytest.raises(LanguageModelError, match="could not be loaded"):
        load_language_model(tmp_path)
