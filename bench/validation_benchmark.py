"""Checking an action server response: Rasa's way and Soba's, side by side in one run.

    python -m bench.validation_benchmark      # make bench-validation

Rasa 3.6 calls `jsonschema.validate(response, schema)` for every action
server response, and that checks the constant schema itself each time before
using it. `bot.rasa_patches` builds the validator once. Both check the same
response: an answer turn as action_answer_faq returns it (three slot events,
the answer with its buttons, the feedback question, the decision record).
"""

from __future__ import annotations

import timeit
from typing import Any, Callable, Dict, List, Tuple

import jsonschema
from rasa.core.actions.action import RemoteAction

from bot import rasa_patches

CALLS = 300
REPEATS = 5


def answer_turn_response() -> Dict[str, Any]:
    """What the action server returns for an answered question."""
    slot = lambda name, value: {"event": "slot", "name": name, "value": value, "timestamp": None}  # noqa: E731
    button = lambda title, payload: {"title": title, "payload": payload}  # noqa: E731
    return {
        "events": [slot("language", "ja"), slot("last_topic", "overtime_pay"), slot("rephrase_asked", False)],
        "responses": [
            {"text": "残業には割増賃金が必要です。\n" * 10, "buttons": [button("詳しく", "/faq_details")]},
            {"text": "役に立ちましたか？", "buttons": [button("👍", "/feedback_positive"), button("👎", "/no")]},
            {"custom": {"type": "faq_answer", "topic": "overtime_pay", "language": "ja"}},
        ],
    }


def best_seconds_per_call(check: Callable[[], Any]) -> float:
    """The fastest of REPEATS runs of CALLS checks, per check."""
    return min(timeit.repeat(check, number=CALLS, repeat=REPEATS)) / CALLS


def main() -> int:
    """Time both and print the table."""
    response = answer_turn_response()
    schema = RemoteAction.action_response_format_spec()
    soba_check = rasa_patches.response_validator()
    rasa = best_seconds_per_call(lambda: jsonschema.validate(response, schema))
    soba = best_seconds_per_call(lambda: soba_check(None, response))
    rows: List[Tuple[str, float]] = [
        ("Rasa 3.6: jsonschema.validate per response", rasa),
        ("Soba: validator built once (bot/rasa_patches.py)", soba),
    ]
    baseline = rows[0][1]
    print(f"Checking one answer turn's action response, best of {REPEATS} × {CALLS} calls")
    print("| check | per response | vs Rasa |")
    print("|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1e6:.0f} µs | {baseline / seconds:.1f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
