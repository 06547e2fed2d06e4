"""The few places where Soba changes Rasa's behaviour, each small and explained.

Applied by `bot.server` before Rasa starts; nothing else patches Rasa.

1. No silent fallback to an empty tracker. Rasa wraps every tracker store in
   `FailSafeTrackerStore`, which answers a database error with a new,
   empty, in-memory tracker: a person with an open ticket was answered as a
   stranger and their message was never stored (security review M3). Soba
   uses the store as it is, so the error reaches the channel, which keeps
   the message and tells the person.
2. A turn whose custom action could not run is not stored. Rasa logs a
   failed action ("the actions events are lost") and saves the tracker
   anyway, so a message that arrived while the action server was down (or
   was killed mid-turn) counted as handled with no reply at all, a crisis
   included. Soba marks the turn as failed when its remote action raises,
   and refuses to save that turn's tracker: the channel keeps the message in
   its inbox and runs the turn again when the action server is back.
3. No version on the open routes. `GET /` and `GET /version` told anyone
   which Rasa release runs (security review L11); `/` now says only that the
   server is up, and `/version` needs the API token like the rest of the API.
4. Action results checked against a schema checked once. Rasa validates
   every action server response with `jsonschema.validate`, which checks
   the (constant) schema itself on every call before using it: about 40% of
   a turn's time under load (issue 15's profile). The validator is built
   once; a response is checked exactly as before and a bad one raises the
   same error (`make bench-validation`).
"""

from __future__ import annotations

import contextvars
import functools
import hmac
from typing import Any, Optional

import rasa.server
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain

from bot.core.errors import ActionServerUnavailable

_applied = False
# Set when a remote action of the turn running in this task failed.
_action_failed: contextvars.ContextVar[bool] = contextvars.ContextVar("soba_action_failed", default=False)


def _tracker_store_without_fallback(store: Optional[TrackerStore], domain: Domain) -> TrackerStore:
    if store is None:
        return InMemoryTrackerStore(domain)
    store.domain = domain
    return store


def _remembering_failure(run: Any) -> Any:
    @functools.wraps(run)
    async def wrapped(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception:
            _action_failed.set(True)
            raise

    return wrapped


def _one_turn(handle_message: Any) -> Any:
    @functools.wraps(handle_message)
    async def wrapped(self: MessageProcessor, *args: Any, **kwargs: Any) -> Any:
        token = _action_failed.set(False)
        try:
            return await handle_message(self, *args, **kwargs)
        finally:
            _action_failed.reset(token)

    return wrapped


def _refusing_failed_turns(save_tracker: Any) -> Any:
    @functools.wraps(save_tracker)
    async def wrapped(self: MessageProcessor, *args: Any, **kwargs: Any) -> Any:
        if _action_failed.get():
            raise ActionServerUnavailable("a custom action failed; the turn is not stored")
        return await save_tracker(self, *args, **kwargs)

    return wrapped


def _without_version(create_app: Any) -> Any:
    @functools.wraps(create_app)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from sanic import response

        app = create_app(*args, **kwargs)
        token = kwargs.get("auth_token") or ""

        @app.middleware("request")
        async def hide_version(request: Any) -> Any:
            if request.path == "/":
                return response.text("Soba is up.")
            if request.path == "/version":
                given = str(request.args.get("token") or "")
                bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
                if not token or not (
                    hmac.compare_digest(given.encode(), token.encode())
                    or hmac.compare_digest(bearer.encode(), token.encode())
                ):
                    return response.json({"error": "not found"}, status=404)
            return None

        return app

    return wrapped


def response_validator() -> Any:
    """RemoteAction._validate_action_result with the schema checked once, not per response."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate(self: RemoteAction, result: Any) -> bool:
        # As jsonschema.validate reports it: the best match among the errors.
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            "Action endpoint is valid. For more information about the format visit "
            "https://rasa.com/docs/rasa/custom-actions"
        )
        raise error

    return validate


def apply() -> None:
    """Apply Soba's patches to Rasa (idempotent)."""
    global _applied
    if _applied:
        return
    Agent._create_tracker_store = staticmethod(_tracker_store_without_fallback)  # type: ignore[method-assign]
    RemoteAction.run = _remembering_failure(RemoteAction.run)  # type: ignore[method-assign]
    MessageProcessor.handle_message = _one_turn(MessageProcessor.handle_message)  # type: ignore[method-assign]
    MessageProcessor.save_tracker = _refusing_failed_turns(MessageProcessor.save_tracker)  # type: ignore[method-assign]
    rasa.server.create_app = _without_version(rasa.server.create_app)
    RemoteAction._validate_action_result = response_validator()  # type: ignore[method-assign]
    _applied = True
