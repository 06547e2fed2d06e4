"""Keyword-search benchmark on localgovFAQ (Amagasaki city FAQ), next to the published systems.

    python -m bench.search_benchmark                       # the table (make bench-search)
    python -m bench.search_benchmark --data /path/to/localgovfaq

It ranks all 1,786 FAQ entries for each of the 749 queries with the same
`Bm25Index` and `Analyzer` that bot/knowledge/search.py runs, and scores the
rankings as the authors' `scripts/calculate_score.py` (ku-nlp/bert-based-faqir)
does:

- a hit is any judged entry; this derivative keeps grades A (2) and B (1) and
  has no grade C, so "relevant" is grade >= 1 and every query has a hit;
- SR@k: share of queries with a hit in the top k; P@k: mean of hits in top k / k;
- MAP: per query, precision at the rank of each hit, averaged over the hits
  (all of them, since the whole collection is ranked); MRR: 1 / rank of the
  first hit; NDCG: gain 2^s - 1 with A = 3, B = 2 over the whole ranked list,
  divided by the ideal ordering's;
- P@10 and R@10 (not in the paper): hits in the top 10 divided by 10, and by
  the query's number of relevant entries, as the embedding benchmark this
  derivative comes from reports them (its BM25 with Kuromoji is a row).

The published rows used the authors' 784 queries, which include grade-C-only
queries and count C as a hit, so they are a reference, not a like-for-like
comparison (../shared/eval/localgovfaq/SOURCE.md). The data is read in place,
for evaluation only, and never copied into the project.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Sequence, Tuple

from bot import paths
from bot.knowledge.bm25 import WeightedBm25
from bot.knowledge.search import CHARACTERS, WORDS, Analyzer

DEFAULT_DATA = paths.ROOT.parent / "shared" / "eval" / "localgovfaq"
# NDCG gains of the authors' script: A -> 3, B -> 2 (C -> 1 does not occur here).
GAIN_OF_GRADE = {2: 3, 1: 2}
QUESTION_PREFIX = "Question:"
ANSWER_PREFIX = "\nAnswer:"

# Reported in the authors' README for their 784 queries (A, B and C count as hits).
PUBLISHED = (
    ("BERT q-A relevance only (published)", {"SR@1": 0.486, "SR@5": 0.737, "P@5": 0.286, "MAP": 0.550, "MRR": 0.596}),
    (
        "TSUBAKI (BM25) + BERT, joint (published)",
        {"SR@1": 0.635, "SR@5": 0.843, "P@5": 0.360, "MAP": 0.660, "MRR": 0.720, "NDCG": 0.625},
    ),
    # mahiya/japanese-text-embedding-benchmark README, on this very derivative.
    ("BM25 (Elasticsearch Kuromoji) on this derivative (published)", {"P@10": 0.137, "R@10": 0.600}),
)
COLUMNS = ("SR@1", "SR@5", "P@5", "MAP", "MRR", "NDCG", "P@10", "R@10")


@dataclass(frozen=True)
class LocalGovFaq:
    """The collection, the queries and their graded judgments."""

    doc_ids: Tuple[str, ...]
    documents: Tuple[str, ...]
    queries: Mapping[str, str]
    qrels: Mapping[str, Mapping[str, int]]


def load_localgovfaq(directory: Path) -> LocalGovFaq:
    """Read corpus.json, queries.json and qrels.json from `directory`."""
    corpus = json.loads((directory / "corpus.json").read_text(encoding="utf-8"))
    queries = json.loads((directory / "queries.json").read_text(encoding="utf-8"))
    qrels = json.loads((directory / "qrels.json").read_text(encoding="utf-8"))
    doc_ids = tuple(corpus)
    return LocalGovFaq(doc_ids, tuple(corpus[doc] for doc in doc_ids), queries, qrels)


def question_part(document: str) -> str:
    """The "Question: …" part of a corpus entry, without the answer."""
    question = document.split(ANSWER_PREFIX, 1)[0]
    return question[len(QUESTION_PREFIX) :].strip() if question.startswith(QUESTION_PREFIX) else question


def full_text(document: str) -> str:
    """Question and answer, without the field labels."""
    return document.replace(QUESTION_PREFIX, " ", 1).replace(ANSWER_PREFIX, "\n", 1)


# ---- metrics (exactly as the authors' calculate_score.py) -------------------------------


def query_scores(ranking: Sequence[str], grades: Mapping[str, int]) -> Dict[str, float]:
    """The metrics of one query's full ranking; `grades` maps relevant doc ids to grade >= 1."""
    relevant = {doc: grade for doc, grade in grades.items() if grade >= 1}
    hit_ranks = [rank for rank, doc in enumerate(ranking, start=1) if doc in relevant]
    dcg = sum(
        (2 ** GAIN_OF_GRADE[relevant[doc]] - 1) / math.log2(rank + 1)
        for rank, doc in enumerate(ranking, start=1)
        if doc in relevant
    )
    ideal_gains = sorted((GAIN_OF_GRADE[grade] for grade in relevant.values()), reverse=True)
    ideal = sum((2**gain - 1) / math.log2(rank + 1) for rank, gain in enumerate(ideal_gains, start=1))
    top10 = set(ranking[:10])
    return {
        "SR@1": float(bool(hit_ranks) and hit_ranks[0] <= 1),
        "SR@5": float(bool(hit_ranks) and hit_ranks[0] <= 5),
        "P@5": sum(1 for rank in hit_ranks if rank <= 5) / 5,
        "MAP": average_precision(hit_ranks),
        "MRR": 1.0 / hit_ranks[0] if hit_ranks else 0.0,
        "NDCG": dcg / ideal if ideal else 0.0,
        "P@10": len(top10 & set(relevant)) / 10,
        "R@10": len(top10 & set(relevant)) / len(relevant) if relevant else 0.0,
    }


def average_precision(hit_ranks: Sequence[int]) -> float:
    """Precision at the rank of each hit, averaged over the hits."""
    if not hit_ranks:
        return 0.0
    return sum(found / rank for found, rank in enumerate(hit_ranks, start=1)) / len(hit_ranks)


def mean_scores(per_query: Sequence[Mapping[str, float]]) -> Dict[str, float]:
    """Each metric averaged over the queries that have a relevant entry (the authors' denominator)."""
    return {name: sum(scores[name] for scores in per_query) / len(per_query) for name in COLUMNS}


# ---- systems -----------------------------------------------------------------------------


@dataclass(frozen=True)
class System:
    """A way to index the collection: which text of each entry, and how it becomes terms."""

    name: str
    analyzer: Analyzer
    text_of: Callable[[str], str]


LEMMAS_ONLY = {WORDS: 1.0}
BIGRAMS_ONLY = {CHARACTERS: 1.0}
SYSTEMS = (
    System("baseline: BM25 over character bigrams, no lemmas or readings, Q+A", Analyzer(BIGRAMS_ONLY), full_text),
    System("lemmas only, Q+A", Analyzer(LEMMAS_ONLY), full_text),
    System("Soba search, Q only", Analyzer(), question_part),
    System("**Soba search as shipped: lemmas + reading trigrams + char bigrams, Q+A**", Analyzer(), full_text),
)


def evaluate(system: System, data: LocalGovFaq) -> Tuple[Dict[str, float], float]:
    """Mean metrics of `system` over every judged query, and the seconds it took."""
    started = time.monotonic()
    analyzer = system.analyzer
    index = WeightedBm25([analyzer.views(system.text_of(document)) for document in data.documents], analyzer.weights)
    per_query = []
    for query_id, grades in data.qrels.items():
        if not any(grade >= 1 for grade in grades.values()):
            continue
        ranking = [data.doc_ids[doc] for doc, _ in index.rank(analyzer.views(data.queries[query_id]))]
        per_query.append(query_scores(ranking, grades))
    return mean_scores(per_query), time.monotonic() - started


def table(rows: Sequence[Tuple[str, Mapping[str, float]]]) -> str:
    """A Markdown table, one row per system, "–" where a metric was not reported."""
    lines = ["| system | " + " | ".join(COLUMNS) + " |", "|---|" + "---|" * len(COLUMNS)]
    for name, scores in rows:
        cells = [f"{scores[column]:.3f}".lstrip("0") if column in scores else "–" for column in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Rank, score and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with corpus/queries/qrels.json")
    args = parser.parse_args(argv)
    data = load_localgovfaq(args.data)
    judged = sum(1 for grades in data.qrels.values() if any(grade >= 1 for grade in grades.values()))
    rows: List[Tuple[str, Mapping[str, float]]] = []
    for system in SYSTEMS:
        scores, seconds = evaluate(system, data)
        print(f"{system.name}: {seconds:.1f} s", flush=True)
        rows.append((system.name, scores))
    print()
    print(f"localgovFAQ: {len(data.documents)} entries ranked for each of {judged} queries; relevant = grade >= 1.")
    print(
        "This derivative has no grade C and drops queries without A/B labels; the published rows used "
        "784 queries with C counted as a hit, so they are a reference, not a like-for-like comparison."
    )
    print()
    print(table(list(PUBLISHED) + rows))


if __name__ == "__main__":
    main()
