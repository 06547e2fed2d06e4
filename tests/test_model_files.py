"""A model is current exactly when nothing that shapes it has changed."""

from pathlib import Path

from bot.model_files import fingerprint, model_path


def make_project(root: Path) -> None:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "bot" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("pipeline: []\n")
    (root / "domain.yml").write_text("intents: [greet]\n")
    (root / "data" / "nlu" / "greet.yml").write_text("- hello\n")
    (root / "bot" / "nlu" / "tokenizer.py").write_text("# tokenizer\n")
    (root / "bot" / "scripts.py").write_text("# scripts\n")


def test_fingerprint_changes_with_training_data_and_components(tmp_path: Path) -> None:
    make_project(tmp_path)
    first = fingerprint(tmp_path)

    assert fingerprint(tmp_path) == first
    (tmp_path / "data" / "nlu" / "greet.yml").write_text("- hello\n- hi\n")
    second = fingerprint(tmp_path)
    (tmp_path / "bot" / "nlu" / "tokenizer.py").write_text("# tokenizer v2\n")
    third = fingerprint(tmp_path)

    assert len({first, second, third}) == 3


def test_model_path_carries_the_fingerprint(tmp_path: Path) -> None:
    make_project(tmp_path)

    path = model_path(tmp_path / "models", tmp_path)

    assert path.name == f"soba-{fingerprint(tmp_path)}.tar.gz"
