"""The FAQ topics Soba knows: one training file per topic in data/nlu/faq/.

Topic ids are those of ../shared/faq_topics.yml (a test checks they match);
the training files are the project's own record of them, so the bot runs
without the shared folder.
"""

from pathlib import Path
from typing import Any, Mapping, Tuple

from bot import paths

FAQ_INTENT = "faq"
# What Rasa's FallbackClassifier predicts below its threshold.
FALLBACK_INTENT = "nlu_fallback"
TOPIC_SEPARATOR = "/"


def faq_topic_ids(nlu_dir: Path = paths.NLU_DIR) -> Tuple[str, ...]:
    """Sorted topic ids, one per data/nlu/faq/<id>.yml."""
    return tuple(sorted(path.stem for path in (nlu_dir / FAQ_INTENT).glob("*.yml")))


# A ResponseSelector without `retrieval_intent` (Rasa's stock pipeline) files
# its prediction under this key instead of the retrieval intent's name.
DEFAULT_SELECTOR = "default"


def faq_selection(parse: Mapping[str, Any]) -> Mapping[str, Any]:
    """The FAQ ResponseSelector's output in a Rasa parse result ({} if none)."""
    selectors = parse.get("response_selector") or {}
    return selectors.get(FAQ_INTENT) or selectors.get(DEFAULT_SELECTOR) or {}


def topic_of(intent_response_key: str) -> str:
    """'faq/overtime_pay' -> 'overtime_pay'."""
    return intent_response_key.split(TOPIC_SEPARATOR, 1)[-1]
