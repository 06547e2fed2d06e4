"""bot/rasa_patches.py item 4: action server responses are checked as before, with the schema checked once."""

from __future__ import annotations

from typing import Any, Dict, List

import jsonschema
import pytest
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

from bench.validation_benchmark import answer_turn_response
from bot import rasa_patches

BAD_RESPONSES: List[Dict[str, Any]] = [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": ["not an object"]},
]


def test_a_good_response_passes_and_the_schema_is_checked_only_when_the_validator_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check = rasa_patches.response_validator()
    schema_checks: List[Any] = []
    validator_class = validator_for(RemoteAction.action_response_format_spec())
    monkeypatch.setattr(validator_class, "check_schema", classmethod(lambda cls, schema: schema_checks.append(schema)))

    for _ in range(3):
        assert check(None, answer_turn_response()) is True

    assert schema_checks == []


@pytest.mark.parametrize("response", BAD_RESPONSES)
def test_a_bad_response_is_refused_with_the_error_rasa_gives(response: Dict[str, Any]) -> None:
    check = rasa_patches.response_validator()
    with pytest.raises(jsonschema.ValidationError) as stock:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())

    with pytest.raises(jsonschema.ValidationError) as ours:
        check(None, response)

    assert ours.value.message.startswith(stock.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_apply_puts_it_in_place_of_rasas_check() -> None:
    rasa_patches.apply()

    assert RemoteAction._validate_action_result(RemoteAction("x", None), answer_turn_response()) is True  # type: ignore[arg-type]
    with pytest.raises(jsonschema.ValidationError):
        RemoteAction._validate_action_result(RemoteAction("x", None), BAD_RESPONSES[0])  # type: ignore[arg-type]
