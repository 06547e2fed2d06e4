"""What an answer says in law, reduced to what can be compared across languages and edits.

For each topic: the figures it states ({placeholders}), the article numbers
it cites (第115条, Art. 115 and Art. 30-3 all become "115" or "30-3", rule
numbers such as 人事院規則10-16 "10-16") and the official pages it sends the
person to. Rewording an answer, or translating it, must leave these equal;
`legal_content.json` records them as of the last legal review
(docs/legal-review.md). After a reviewed change of substance, rewrite it with

    PYTHONPATH=. .venv/bin/python -m tests.knowledge.legal_content

and say in the review log what changed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Set

import yaml

from bot import paths
from bot.knowledge.figures import placeholders

SNAPSHOT = Path(__file__).with_name("legal_content.json")
# Keys whose text is not legal content: the topic's title and review fields.
_SKIPPED_KEYS = frozenset({"title", "topic", "reviewed", "reviewed_by", "review_before"})
# Keys that name places (knowledge/places.yml) rather than hold text.
_PLACE_KEYS = frozenset({"links", "where_to_go"})

_JA_ARTICLE = re.compile(r"第([0-9０-９]+)条((?:の[0-9０-９]+)*)")
_RULE = re.compile(r"(?:規則|Rule)\s*([0-9]+-[0-9]+(?:-[0-9]+)?)")
_EN_ARTICLES = re.compile(
    r"\bArts?\.\s*((?:[0-9]+(?:-[0-9]+)*(?:\([0-9]+\)|\([ivx]+\))*)"
    r"(?:(?:,\s*|\s+and\s+|\s+to\s+|-)(?:[0-9]+(?:-[0-9]+)*(?:\([0-9]+\)|\([ivx]+\))*))*)"
)
_EN_NUMBER = re.compile(r"[0-9]+(?:-[0-9]+)*")


def article_numbers(text: str) -> Set[str]:
    """The article (and rule) numbers `text` cites, the same in every language."""
    found = {_rule for _rule in _RULE.findall(text)}
    text = _RULE.sub(" ", text)
    for number, branches in _JA_ARTICLE.findall(text):
        number = number.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        found.add(number + branches.replace("の", "-"))
    for group in _EN_ARTICLES.findall(text):
        group = re.sub(r"\([0-9]+\)|\([ivx]+\)", "", group)
        found.update(_EN_NUMBER.findall(group))
    return found


def texts_in(node: Any, language: str) -> Iterator[str]:
    """Every text in `language` under `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _SKIPPED_KEYS or key in _PLACE_KEYS:
                continue
            if key == language and isinstance(value, str):
                yield value
            else:
                yield from texts_in(value, language)
    elif isinstance(node, list):
        for item in node:
            yield from texts_in(item, language)


def _place_ids(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _PLACE_KEYS:
                yield from (item if isinstance(item, str) else item.get("place", "") for item in value or ())
            else:
                yield from _place_ids(value)


def topic_content(raw: Mapping[str, Any], language: str, urls: Mapping[str, str]) -> Dict[str, List[str]]:
    """One topic's legal content in `language`: figures, article numbers, official pages."""
    texts = list(texts_in(raw, language))
    return {
        "figures": sorted(set().union(*(placeholders(text) for text in texts))),
        "articles": sorted(set().union(*(article_numbers(text) for text in texts))),
        "pages": sorted({urls[place] for place in _place_ids(raw) if urls.get(place)}),
    }


def knowledge_content(directory: Path, language: str) -> Dict[str, Dict[str, List[str]]]:
    """Every topic's legal content in `language`, by topic id."""
    places = yaml.safe_load((directory / "places.yml").read_text(encoding="utf-8"))["places"]
    urls = {place: entry.get("url", "") for place, entry in places.items()}
    content = {}
    for path in sorted(directory.glob("*.yml")):
        if path.name in ("figures.yml", "places.yml"):
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        content[path.stem] = topic_content(raw, language, urls)
    return content


def main() -> None:
    """Record the knowledge base's legal content (Japanese is the reviewed text)."""
    content = knowledge_content(paths.KNOWLEDGE_DIR, "ja")
    topics = []
    for topic in sorted(content):
        fields = ",\n".join(
            f"    {json.dumps(key)}: {json.dumps(values, ensure_ascii=False)}" for key, values in content[topic].items()
        )
        topics.append(f"  {json.dumps(topic)}: {{\n{fields}\n  }}")
    SNAPSHOT.write_text("{\n" + ",\n".join(topics) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
