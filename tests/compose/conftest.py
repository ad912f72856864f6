"""Tiny models and a tiny real folder shared by the compose tests (built once per session)."""

from __future__ import annotations

import pytest

from tests.compose.builders import tiny_evaluator, tiny_interactor, tiny_real_folder


@pytest.fixture(scope="session")
def encoder():
    from t2i_core.text import build_text_encoder

    return build_text_encoder("minilm")


@pytest.fixture(scope="session")
def real_folder(tmp_path_factory):
    return tiny_real_folder(tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="session")
def interactor_dir(tmp_path_factory, encoder):
    return tiny_interactor(tmp_path_factory.mktemp("interactor"), encoder)


@pytest.fixture(scope="session")
def evaluator_dir(tmp_path_factory):
    return tiny_evaluator(tmp_path_factory.mktemp("filter_evaluator"))


@pytest.fixture(scope="session")
def single_person_dir(tmp_path_factory, encoder):
    return tiny_interactor(tmp_path_factory.mktemp("single_person"), encoder, persons=1)
