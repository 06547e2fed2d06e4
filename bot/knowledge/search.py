"""Keyword search over the answer knowledge base, in every supported language.

One BM25 document per topic and language: the topic's title, its answer
(summary, steps and details, with the deadlines and public-sector note,
figures filled in) and its training examples in that language
(data/nlu/faq/<topic>.yml), which are worded the way workers ask. The public
FAQ pages, the widget's "search answers" box and the bot's suggestions when it
is unsure all call `search()`.

How text becomes terms (`Analyzer`; `make bench-search` measures each part):
- Japanese: fugashi + unidic-lite lemmas of the content words (解雇された and
  解雇する share 解雇), character trigrams of the kana readings (解雇, かいこ
  and カイコ all read かいこ, and so meet even where MeCab cuts hiragana
  badly), and character bigrams of the text itself (unknown words, typos);
- romaji typed in Japanese mode is read as kana (zangyou → ざんぎょう);
- other languages: lower-cased words without stop words or bare numbers, and
  character 4-grams within them (dismissed ~ dismissal, typos).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Mapping, Sequence, Tuple

from bot import paths
from bot.knowledge.base import CHARACTER_COUNTED_LANGUAGES, KnowledgeBase, Topic, get_knowledge
from bot.knowledge.bm25 import WeightedBm25
from bot.settings import get_settings
from bot.text.japanese_words import clean_lemma, is_punctuation, japanese_tagger
from bot.text.romaji import romaji_to_hiragana
from bot.text.scripts import has_japanese
from bot.text.views import character_view, normalize, to_hiragana
from bot.topics import FAQ_INTENT
from bot.yaml_files import load_yaml

logger = logging.getLogger(__name__)

# Parts of speech that carry no topic: particles, auxiliaries, symbols.
_FUNCTION_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"[\W_]+")
# Words every English question has; they only blur a ranking of a few dozen topics.
_STOP_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as",
        "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "i", "me", "my", "we", "our",
        "you", "your", "he", "she", "it", "its", "they", "them", "their", "this", "that", "these", "those", "there",
        "here", "what", "which", "who", "how", "when", "where", "why", "can", "could", "would", "should", "will",
        "shall", "may", "might", "must", "have", "has", "had", "not", "no", "so", "than", "too", "very", "just",
        "about", "into", "out", "up", "down", "over", "any", "some", "all", "get", "got",
    }
)  # fmt: skip
SNIPPET_CHARACTERS = 120
SNIPPET_WORDS = 28


class UnknownLanguage(ValueError):
    """The language is neither supported nor a variant (ja-easy) of a supported one."""


# The views of a text, each its own BM25 index (bot.knowledge.bm25.WeightedBm25).
WORDS = "words"
READINGS = "readings"
CHARACTERS = "characters"
# Lemmas decide; readings and character n-grams break ties and catch kana,
# romaji and typos. Chosen with bench/search_benchmark.py (localgovFAQ) and
# top-1 on Soba's held-out sets, where, next to lemmas alone, they lift
# Japanese from .85 to .92 and やさしい日本語 from .67 to .82, for .02 MAP on
# localgovFAQ's kanji-heavy queries (docs/benchmarks.md).
DEFAULT_WEIGHTS: Mapping[str, float] = {WORDS: 1.0, READINGS: 0.2, CHARACTERS: 0.3}
# Kana readings are cut into trigrams (about one short word): bigrams such as
# きゅ or ゅう occur in nearly every topic and tell them apart poorly.
READING_NGRAM = 3
# Character n-grams within words for languages written with spaces.
WORD_NGRAM = 4

Views = Dict[str, List[str]]


@dataclass(frozen=True)
class Analyzer:
    """Turns text into terms per view; a view with no weight is not computed."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    reading_ngram: int = READING_NGRAM

    def views(self, text: str) -> Views:
        """The text's terms in each weighted view."""
        if has_japanese(text):
            return self._japanese(text)
        found: Views = {WORDS: words(text)}
        if self.weights.get(READINGS):
            # A person in Japanese mode typing romaji: read it as kana ("" if it is not romaji).
            found[READINGS] = ngrams(romaji_to_hiragana(normalize(text)), self.reading_ngram)
        if self.weights.get(CHARACTERS):
            found[CHARACTERS] = [gram for word in found[WORDS] for gram in word_ngrams(word)]
        return found

    def _japanese(self, text: str) -> Views:
        lemmas: List[str] = []
        readings: List[str] = []
        for word in japanese_tagger()(text):
            surface = word.surface
            if is_punctuation(surface):
                continue
            feature = word.feature
            if feature.pos1 not in _FUNCTION_POS:
                lemmas.append(normalize(clean_lemma(feature.lemma, surface)))
            kana = feature.kana
            readings.append(to_hiragana(kana) if kana and kana != "*" else normalize(surface))
        found: Views = {WORDS: lemmas}
        if self.weights.get(READINGS):
            found[READINGS] = ngrams("".join(readings), self.reading_ngram)
        if self.weights.get(CHARACTERS):
            found[CHARACTERS] = bigrams(character_view(text))
        return found

    def document(self, texts: Iterable[str]) -> Views:
        """The views of several texts as one document (n-grams never span two texts)."""
        merged: Views = {}
        for text in texts:
            for view, terms in self.views(text).items():
                merged.setdefault(view, []).extend(terms)
        return merged


# The two helpers below follow bot.nlu.fugashi_tokenizer (a test checks they
# agree); importing that module would load Rasa and TensorFlow into the action
# server, which otherwise never needs them.
def words(text: str) -> List[str]:
    """Lower-cased words of a text in a language with spaces; stop words and bare numbers left out.

    Numbers in answers are figures (30 days, 25%); a number in a query names no topic.
    """
    return [word for word in _WORD.findall(normalize(text)) if word not in _STOP_WORDS and not word.isdigit()]


def word_ngrams(word: str, size: int = WORD_NGRAM) -> List[str]:
    """Character n-grams of a word with its boundaries marked (dismissed ~ dismissal)."""
    padded = f" {word} "
    if len(padded) <= size:
        return [padded]
    return [padded[i : i + size] for i in range(len(padded) - size + 1)]


def ngrams(text: str, size: int = 2) -> List[str]:
    """Overlapping character n-grams of the text, spaces, punctuation and symbols left out."""
    characters = _NOT_WORD.sub("", text)
    if 0 < len(characters) < size:
        return [characters]
    return [characters[i : i + size] for i in range(len(characters) - size + 1)]


def bigrams(text: str) -> List[str]:
    """Overlapping character pairs of the text, spaces, punctuation and symbols left out."""
    return ngrams(text, 2)


@dataclass(frozen=True)
class SearchHit:
    """One topic found for a query, in the query's language."""

    topic: str
    title: str
    snippet: str
    score: float


@dataclass(frozen=True)
class _Sentence:
    """An answer sentence and its words, for choosing a snippet."""

    text: str
    words: FrozenSet[str]


@dataclass(frozen=True)
class _LanguageIndex:
    """The index of one language: document i is topic `topics[i]`, with its answer's sentences."""

    topics: Tuple[str, ...]
    index: WeightedBm25
    sentences: Mapping[str, Tuple[_Sentence, ...]]


class TopicSearch:
    """BM25 over one document per topic and language.

    Each language's index is built the first time it is searched (a second
    or less; fourteen languages take several seconds together), so a
    Japanese question does not wait for the Khmer index.
    """

    def __init__(
        self,
        base: KnowledgeBase,
        languages: Sequence[str],
        examples: Mapping[str, Mapping[str, Sequence[str]]],
        analyzer: Analyzer | None = None,
    ) -> None:
        """Index every topic of `base` in each language; `examples[topic][language]` are training texts."""
        self.base = base
        self.analyzer = analyzer or Analyzer()
        self._languages = tuple(languages)
        self._examples = examples
        self._indexes: Dict[str, _LanguageIndex] = {}
        self._locks = {language: threading.Lock() for language in self._languages}

    @property
    def languages(self) -> Tuple[str, ...]:
        """The languages searched."""
        return self._languages

    def language_of(self, language: str) -> str:
        """The supported language a code is served in: itself, or its base (ja-easy -> ja)."""
        if language in self._locks:
            return language
        base = language.split("-", 1)[0]
        if base in self._locks:
            return base
        raise UnknownLanguage(language)

    def build(self, language: str) -> None:
        """Build `language`'s index now, if it is not built yet (a server's warm-up)."""
        self._index(self.language_of(language))

    def _index(self, language: str) -> _LanguageIndex:
        with self._locks[language]:
            if language not in self._indexes:
                self._indexes[language] = self._build(language)
            return self._indexes[language]

    def _build(self, language: str) -> _LanguageIndex:
        topics = self.base.topic_ids
        documents = [
            self.analyzer.document(
                topic_texts(self.base[topic], language, self._examples.get(topic, {}).get(language, ()))
            )
            for topic in topics
        ]
        sentences = {
            topic: tuple(
                _Sentence(sentence, frozenset(self.analyzer.views(sentence)[WORDS]))
                for sentence in split_sentences(self.base[topic].body(language))
            )
            for topic in topics
        }
        return _LanguageIndex(topics, WeightedBm25(documents, self.analyzer.weights), sentences)

    def search(self, query: str, language: str, limit: int = 5) -> List[SearchHit]:
        """The topics that best match `query`, best first; none for a query with no matching term."""
        language = self.language_of(language)
        if not query or not query.strip() or limit < 1:
            return []
        views = self.analyzer.views(query)
        entry = self._index(language)
        hits = []
        for doc, score in entry.index.rank(views, limit):
            if score <= 0.0:
                break
            topic = self.base[entry.topics[doc]]
            hits.append(
                SearchHit(
                    topic=topic.topic,
                    title=topic.title[language],
                    snippet=shorten(_best_sentence(entry.sentences[topic.topic], views[WORDS]), language),
                    score=round(score, 4),
                )
            )
        return hits


def _best_sentence(sentences: Sequence[_Sentence], query_words: Iterable[str]) -> str:
    """The sentence sharing most words with the query; the first on a tie."""
    wanted = set(query_words)
    return max(sentences, key=lambda sentence: len(wanted & sentence.words)).text


def topic_texts(topic: Topic, language: str, examples: Iterable[str]) -> List[str]:
    """What one topic's search document is made of in `language`."""
    texts = [topic.title[language], topic.body(language)]
    texts += [topic.text(deadline.text, language) for deadline in topic.deadlines]
    if topic.public_sector:
        texts.append(topic.text(topic.public_sector.text, language))
    texts += list(examples)
    return texts


_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+(?=[A-Z])")


def split_sentences(text: str) -> List[str]:
    """The text's sentences (never an empty list)."""
    sentences = [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]
    return sentences or [text]


def shorten(text: str, language: str) -> str:
    """At most SNIPPET_CHARACTERS characters (or SNIPPET_WORDS words), with … if cut."""
    if language in CHARACTER_COUNTED_LANGUAGES:
        return text if len(text) <= SNIPPET_CHARACTERS else text[: SNIPPET_CHARACTERS - 1] + "…"
    parts = text.split()
    return text if len(parts) <= SNIPPET_WORDS else " ".join(parts[:SNIPPET_WORDS]) + " …"


def training_examples(faq_dir: Path) -> Dict[str, Dict[str, List[str]]]:
    """Training examples per topic and language from data/nlu/faq/<topic>.yml."""
    found: Dict[str, Dict[str, List[str]]] = {}
    for path in sorted(faq_dir.glob("*.yml")):
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
        for block in raw.get("nlu") or []:
            language = ((block.get("metadata") or {}).get("language")) if isinstance(block, dict) else None
            if not language or not str(block.get("intent", "")).startswith(f"{FAQ_INTENT}/"):
                continue
            topic = str(block["intent"]).split("/", 1)[1]
            lines = str(block.get("examples") or "").splitlines()
            texts = [line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")]
            found.setdefault(topic, {}).setdefault(str(language), []).extend(texts)
    return found


_build_lock = threading.Lock()


def topic_search() -> TopicSearch:
    """The process's search index, built once on first use from knowledge/ and data/nlu/faq/."""
    # A server may warm the index up in a worker thread while a request asks for it.
    with _build_lock:
        return _built_topic_search()


@lru_cache(maxsize=1)
def _built_topic_search() -> TopicSearch:
    settings = get_settings()
    base = get_knowledge()
    index = TopicSearch(base, settings.language_codes, training_examples(paths.NLU_DIR / FAQ_INTENT))
    logger.info("FAQ search ready: %d topics in %s.", len(base), ", ".join(settings.language_codes))
    return index


def search(query: str, language: str, limit: int = 5) -> List[SearchHit]:
    """The knowledge-base topics that best answer `query`, best first.

    `language` is a supported code or a variant of one (ja-easy is searched
    and titled in Japanese); an unknown one raises UnknownLanguage. An empty
    query, or one sharing no term with any topic, finds nothing.
    """
    return topic_search().search(query, language, limit)
