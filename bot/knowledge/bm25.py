"""Okapi BM25 over documents that are already lists of terms.

Generic on purpose: the FAQ search (bot/knowledge/search.py) and the search
benchmark (bench/search_benchmark.py) build the same index from their own
analyzers, so the benchmark measures exactly what the bot runs.

Each term's BM25 weight in each document is computed once at build time, so a
query costs one array addition per distinct query term.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np

# k1 a little above Robertson's 1.2: repeated query words in a topic's many
# training examples should count for more (bench/search_benchmark.py).
DEFAULT_K1 = 1.5
DEFAULT_B = 0.75


class Bm25Index:
    """Scores every document against a query with Okapi BM25.

    IDF is the non-negative variant log(1 + (N - df + 0.5) / (df + 0.5)), so a
    term found in most documents still adds a little instead of subtracting.
    A query term counts once per occurrence in the query.
    """

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = DEFAULT_K1, b: float = DEFAULT_B) -> None:
        self.size = len(documents)
        lengths = np.array([len(terms) for terms in documents], dtype=np.float64)
        average = float(lengths.mean()) if self.size and lengths.sum() else 1.0
        # Per document: k1 * (1 - b + b * length / average length).
        norms = k1 * (1.0 - b + b * lengths / average)
        postings: Dict[str, Tuple[List[int], List[float]]] = {}
        for doc, terms in enumerate(documents):
            for term, count in Counter(terms).items():
                docs, weights = postings.setdefault(term, ([], []))
                docs.append(doc)
                weights.append(count * (k1 + 1.0) / (count + norms[doc]))
        self._postings: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        for term, (docs, weights) in postings.items():
            idf = math.log(1.0 + (self.size - len(docs) + 0.5) / (len(docs) + 0.5))
            self._postings[term] = (np.array(docs, dtype=np.int64), np.array(weights) * idf)

    def __contains__(self, term: object) -> bool:
        return term in self._postings

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """The BM25 score of every document for the query terms (0 where none match)."""
        total = np.zeros(self.size)
        for term, count in Counter(query).items():
            posting = self._postings.get(term)
            if posting is not None:
                total[posting[0]] += count * posting[1]
        return total

    def rank(self, query: Sequence[str], limit: int | None = None) -> List[Tuple[int, float]]:
        """(document, score) best first."""
        return ranked(self.scores(query), limit)


class WeightedBm25:
    """One BM25 index per view of the documents (lemmas, readings, …); scores add up with weights.

    Separate indexes keep a view with many terms per document (character
    bigrams) from swamping the length normalisation and scores of the others.
    """

    def __init__(
        self,
        documents: Sequence[Mapping[str, Sequence[str]]],
        weights: Mapping[str, float],
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
    ) -> None:
        self.size = len(documents)
        self.weights = {view: weight for view, weight in weights.items() if weight}
        self._indexes = {
            view: Bm25Index([document.get(view, ()) for document in documents], k1, b) for view in self.weights
        }

    def scores(self, query: Mapping[str, Sequence[str]]) -> np.ndarray:
        """The weighted sum of each view's BM25 scores."""
        total = np.zeros(self.size)
        for view, weight in self.weights.items():
            terms = query.get(view)
            if terms:
                total += weight * self._indexes[view].scores(terms)
        return total

    def rank(self, query: Mapping[str, Sequence[str]], limit: int | None = None) -> List[Tuple[int, float]]:
        """(document, score) best first."""
        return ranked(self.scores(query), limit)


def ranked(scores: np.ndarray, limit: int | None = None) -> List[Tuple[int, float]]:
    """(document, score) best first; ties keep document order, so rankings are stable."""
    order = np.argsort(-scores, kind="stable")
    if limit is not None:
        order = order[:limit]
    return [(int(doc), float(scores[doc])) for doc in order]
