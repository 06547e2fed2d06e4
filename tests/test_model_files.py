"""A model is current exactly when nothing that shapes it has changed."""

from pathlib import Path

from bot.model_files import fingerprint, model_path


def make_project(root: Path) -> None:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "bot" / "nlu").mkdir(parents=True)
    (root / "bot" / "text").mkdir(parents=True)
    (root / "config.yml").write_text("pipeline: []\n")
    (root / "domain.yml").write_text("intents: [greet]\n")
    (root / "data" / "nlu" / "greet.yml").write_text("- hello\n")
    (root / "bot" / "nlu" / "tokenizer.py").write_text("# tokenizer\n")
    (root / "bot" / "text" / "scripts.py").write_text("# scripts\n")
    (root / "bot" / "core").mkdir(parents=True)
    (root / "bot" / "topics.py").write_text("# topics\n")
    (root / "bot" / "core" / "contract.py").write_text("# contract\n")


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


def test_every_project_module_the_nlu_components_import_is_fingerprinted() -> None:
    """Follow the real imports of bot/nlu (also inside functions): each Soba file they reach shapes the model."""
    import ast

    from bot import paths
    from bot.model_files import _inputs

    # The search blend reads the knowledge base and settings at inference: data, not the trained model.
    blend_only = ("bot/knowledge", "bot/settings.py", "bot/languages.py", "bot/paths.py", "bot/yaml_files.py")
    fingerprinted = {path.resolve() for path in _inputs(paths.ROOT)}
    pending = list((paths.ROOT / "bot" / "nlu").glob("*.py"))
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen or str(path.relative_to(paths.ROOT)).startswith(blend_only):
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("bot."):
                    module = paths.ROOT / (name.replace(".", "/") + ".py")
                    if module.is_file():
                        pending.append(module)
    assert {path.resolve() for path in seen} - fingerprinted == set()
