"""Intent benchmark: Soba's pipeline vs Rasa's stock pipeline vs TF-IDF + LR.

In one run, each system is trained on the same training data and scored on
the same test data, and one table per language is printed:

    python -m bench.intent_benchmark --dataset soba      # data/nlu -> heldout/nlu
    python -m bench.intent_benchmark --dataset massive   # MASSIVE ja-JP train -> test

MASSIVE (CC BY 4.0) is read from ../shared/eval/massive and never copied into
the project; its converted training file lives in a temporary folder.
Labels: `faq/<topic>` for FAQ topics (from the ResponseSelector), else the
intent. "wrong answers" is the share of test messages a system would have
answered itself (above its production thresholds) with the wrong label.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

from bot import paths
from bot.evaluation import (
    Example,
    Prediction,
    Report,
    load_examples,
    parse_all,
    percentile,
    prediction_from_parse,
    score,
)
from bot.settings import load_settings

BENCH_DIR = Path(__file__).resolve().parent
MASSIVE_FILE = paths.ROOT.parent / "shared" / "eval" / "massive" / "ja-JP.jsonl"
# Published MASSIVE ja-JP test intent accuracy (FitzGerald et al., 2022, Table 4).
PUBLISHED_MASSIVE_JA = {"XLM-R base (published)": 0.839, "mT5 base encoder (published)": 0.858}


@dataclass
class Dataset:
    """Training data for Rasa (a file or folder) and the test examples."""

    name: str
    nlu_path: Path
    domain_path: Path
    test: List[Example]
    train_texts: List[str]
    train_labels: List[str]


@dataclass
class Result:
    """One system's scores."""

    system: str
    report: Report
    train_seconds: float


def soba_dataset() -> Dataset:
    """Soba's own training data and held-out set."""
    train = load_examples(paths.NLU_DIR)
    return Dataset(
        name="soba",
        nlu_path=paths.NLU_DIR,
        domain_path=paths.DOMAIN_FILE,
        test=load_examples(paths.HELDOUT_DIR),
        train_texts=[e.text for e in train],
        train_labels=[e.label for e in train],
    )


def massive_dataset(workdir: Path, source: Path = MASSIVE_FILE) -> Dataset:
    """MASSIVE ja-JP: train partition for training, test partition for scoring."""
    if not source.is_file():
        raise SystemExit(f"MASSIVE not found at {source} (it is read from ../shared/eval, never copied here)")
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    train = [r for r in rows if r["partition"] == "train"]
    test = [r for r in rows if r["partition"] == "test"]
    by_intent: Dict[str, List[str]] = {}
    for row in train:
        by_intent.setdefault(row["intent"], []).append(row["utt"])
    nlu = {
        "version": "3.1",
        "nlu": [
            {"intent": intent, "examples": "".join(f"- {json.dumps(t, ensure_ascii=False)}\n" for t in texts)}
            for intent, texts in sorted(by_intent.items())
        ],
    }
    nlu_path = workdir / "massive_nlu.yml"
    nlu_path.write_text(yaml.safe_dump(nlu, allow_unicode=True, sort_keys=False), encoding="utf-8")
    domain_path = workdir / "massive_domain.yml"
    domain_path.write_text(yaml.safe_dump({"version": "3.1", "intents": sorted(by_intent)}), encoding="utf-8")
    return Dataset(
        name="massive",
        nlu_path=nlu_path,
        domain_path=domain_path,
        test=[Example(text=r["utt"], label=r["intent"], language="ja") for r in test],
        train_texts=[r["utt"] for r in train],
        train_labels=[r["intent"] for r in train],
    )


def soba_config(dataset: Dataset, workdir: Path, source: Path = paths.RASA_CONFIG) -> Path:
    """Soba's config.yml; without FAQ topics (MASSIVE) its ResponseSelector is dropped."""
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    if dataset.name != "soba":
        config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "ResponseSelector"]
    config["policies"] = []
    path = workdir / "soba_config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def stock_config(dataset: Dataset, workdir: Path, epochs: Optional[int]) -> Path:
    """Rasa's stock pipeline, optionally with fewer epochs to fit a time budget."""
    config = yaml.safe_load((BENCH_DIR / "configs" / "rasa_init.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if epochs and "epochs" in component:
            component["epochs"] = epochs
    if dataset.name != "soba":
        config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "ResponseSelector"]
    path = workdir / "stock_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def train_rasa(config: Path, dataset: Dataset, workdir: Path, name: str) -> tuple[Path, float]:
    """`rasa train nlu` in a child process; returns the model and wall seconds."""
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [
        sys.executable, "-m", "rasa", "train", "nlu",
        "--config", str(config), "--nlu", str(dataset.nlu_path), "--domain", str(dataset.domain_path),
        "--out", str(workdir), "--fixed-model-name", name,
    ]  # fmt: skip
    start = time.perf_counter()
    log = workdir / f"{name}.log"
    with log.open("wb") as output:
        # A fresh cache per system: Rasa's training cache would otherwise
        # reuse components across systems and distort training times.
        result = subprocess.run(
            command, env={**env, "RASA_CACHE_DIRECTORY": str(workdir / f"cache-{name}")}, stdout=output, stderr=output
        )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"training {name} failed; see {log}")
    return workdir / f"{name}.tar.gz", seconds


def rasa_predictions(model: Path, texts: Sequence[str], threshold: float) -> tuple[List[Prediction], List[float]]:
    """Parse with a Rasa model in this process, timing each message."""
    parses, latencies = asyncio.run(parse_all(model, texts))
    return [prediction_from_parse(parse, threshold) for parse in parses], latencies


def run_tfidf(dataset: Dataset, threshold: float) -> Result:
    """TF-IDF character n-grams + logistic regression on flattened labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    start = time.perf_counter()
    model.fit(dataset.train_texts, dataset.train_labels)
    train_seconds = time.perf_counter() - start
    predictions, latencies = [], []
    for example in dataset.test:
        begin = time.perf_counter()
        probabilities = model.predict_proba([example.text])[0]
        latencies.append(time.perf_counter() - begin)
        best = int(probabilities.argmax())
        confidence = float(probabilities[best])
        predictions.append(
            Prediction(label=str(model.classes_[best]), confidence=confidence, answered=confidence >= threshold)
        )
    return Result("TF-IDF char n-gram + LR", score(dataset.test, predictions, latencies), train_seconds)


def run_rasa(system: str, config: Path, dataset: Dataset, workdir: Path, threshold: float) -> Result:
    """Train a Rasa pipeline and score it."""
    model, seconds = train_rasa(config, dataset, workdir, system.split()[0].lower())
    predictions, latencies = rasa_predictions(model, [e.text for e in dataset.test], threshold)
    return Result(system, score(dataset.test, predictions, latencies), seconds)


def format_tables(results: List[Result], published: Optional[Dict[str, float]] = None) -> str:
    """One table per language, systems side by side."""
    languages = sorted({code for result in results for code in result.report.languages})
    lines: List[str] = []
    for code in languages:
        lines += [
            f"\nLanguage: {code}",
            "| system | n | accuracy | macro-F1 | wrong answers | train s | parse p50 ms | parse p99 ms |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for result in results:
            entry = result.report.languages.get(code)
            if entry is None:
                continue
            lines.append(
                f"| {result.system} | {entry.total} | {entry.accuracy:.1%} | {entry.macro_f1:.3f} "
                f"| {entry.wrong_answer_rate:.1%} | {result.train_seconds:.0f} "
                f"| {percentile(result.report.latencies, 0.5) * 1000:.1f} "
                f"| {percentile(result.report.latencies, 0.99) * 1000:.1f} |"
            )
        for system, accuracy in (published or {}).items():
            lines.append(f"| {system} | | {accuracy:.1%} | | | | | |")
    return "\n".join(lines)


def machine() -> str:
    """A one-line description of where the numbers came from."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main(argv: Optional[List[str]] = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=["soba", "massive"], default="soba")
    parser.add_argument("--systems", default="soba,stock,tfidf", help="comma-separated: soba, stock, tfidf")
    parser.add_argument(
        "--soba-config", type=Path, default=paths.RASA_CONFIG, help="a variant of config.yml to measure instead"
    )
    parser.add_argument(
        "--stock-epochs", type=int, default=None, help="override the stock pipeline's 100 epochs (time budget)"
    )
    args = parser.parse_args(argv)
    threshold = load_settings().faq_answer_threshold
    systems = args.systems.split(",")
    results: List[Result] = []
    with tempfile.TemporaryDirectory(prefix="soba-bench-") as tmp:
        workdir = Path(tmp)
        dataset = soba_dataset() if args.dataset == "soba" else massive_dataset(workdir)
        print(f"Dataset {dataset.name}: {len(dataset.train_texts)} training, {len(dataset.test)} test messages")
        if "soba" in systems:
            config = soba_config(dataset, workdir, args.soba_config)
            name = "Soba pipeline" + ("" if args.soba_config == paths.RASA_CONFIG else f" ({args.soba_config.name})")
            results.append(run_rasa(name, config, dataset, workdir, threshold))
            print(format_tables(results[-1:]), flush=True)
        if "stock" in systems:
            name = "Stock rasa init pipeline" + (f" ({args.stock_epochs} epochs)" if args.stock_epochs else "")
            config = stock_config(dataset, workdir, args.stock_epochs)
            results.append(run_rasa(name, config, dataset, workdir, threshold))
            print(format_tables(results[-1:]), flush=True)
        if "tfidf" in systems:
            results.append(run_tfidf(dataset, threshold))
    print(f"\n## {dataset.name} — {machine()}")
    print(format_tables(results, PUBLISHED_MASSIVE_JA if dataset.name == "massive" else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
