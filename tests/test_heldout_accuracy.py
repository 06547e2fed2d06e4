"""Held-out evaluation of the trained model: per-language accuracy, Japanese >= 85%."""

from pathlib import Path

from bot import paths
from bot.evaluation import evaluate_model, format_report, load_examples

JAPANESE_MINIMUM = 0.85


def test_heldout_accuracy(trained_model: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    examples = load_examples()

    report = evaluate_model(trained_model, examples)

    with capsys.disabled():
        print("\nHeld-out evaluation (heldout/nlu, never trained on):\n" + format_report(report))
    assert set(report.languages) == {"ja", "en"}
    assert report.languages["ja"].accuracy >= JAPANESE_MINIMUM, format_report(report)


def test_heldout_is_never_trained_on() -> None:
    training = {example.text for example in load_examples(paths.NLU_DIR)}
    heldout = {example.text for example in load_examples()}

    assert not training & heldout
