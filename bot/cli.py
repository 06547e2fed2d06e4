"""The `soba` command: train, run, chat, evaluate, check the knowledge base.

Usage (the Makefile wraps these):
    python -m bot.cli run        # train if needed, then serve Rasa + actions
    python -m bot.cli chat       # talk to the bot in the terminal
    python -m bot.cli train [--force]
    python -m bot.cli evaluate   # what the person gets, per language, on both held-out sets
    python -m bot.cli check-knowledge
    python -m bot.cli telegram set-webhook --url https://<public host>
    python -m bot.cli console [--port 8000]   # the staff console alone (`run` starts it too)
    python -m bot.cli staff add <login> --role counselor --name "田中" [--languages ja,vi]
    python -m bot.cli staff languages <login> ja,vi       # the languages a counselor reads
    python -m bot.cli staff deactivate <login>        # also ends its console sessions at once
    python -m bot.cli staff reset-password <login> [--password-stdin]   # likewise
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
from typing import List

from bot import paths, processes
from bot.api_token import rasa_api_token
from bot.db import session_factory
from bot.knowledge import KnowledgeError, load_knowledge
from bot.settings import get_settings
from bot.topics import faq_topic_ids

logger = logging.getLogger("soba")


def cmd_train(args: argparse.Namespace) -> int:
    """Train a model unless one matches the current data and config."""
    model = processes.train(processes.child_env(get_settings()), force=args.force)
    print(f"Model: {model}")
    return 0


def cmd_check_knowledge(args: argparse.Namespace) -> int:
    """Validate the knowledge base against the topics and languages."""
    settings = get_settings()
    try:
        base = load_knowledge(paths.KNOWLEDGE_DIR, settings.answer_languages, faq_topic_ids())
    except KnowledgeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Knowledge base OK: {len(base)} topics in {', '.join(settings.language_codes)}.")
    warnings = base.review_warnings(dt.date.today())
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if warnings:
        print(f"{len(warnings)} review warning(s); see docs/legal-review.md for who reviews and how.", file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Train if needed, start the action server and the Rasa server, and wait."""
    settings = get_settings()
    if cmd_check_knowledge(args) != 0:
        return 1
    # A supervisor stops Soba with SIGTERM: leave through `finally`, so the
    # servers stop with it instead of holding their ports as orphans.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    secure_var_dir()
    # Create or migrate the database before any server opens it.
    session_factory(settings.database_url)
    _purge_on_schedule(settings.retention.purge_every_hours)
    env = processes.child_env(settings)
    model = processes.train(env)
    actions = processes.start_action_server(env, settings.action_port)
    token = rasa_api_token()
    rasa = processes.start_rasa_server(env, model, settings.rasa_port, auth_token=token)
    console = processes.start_console(env, settings.console_port)
    try:
        processes.wait_until_up(f"http://127.0.0.1:{settings.action_port}/health", actions)
        processes.wait_until_up(f"http://127.0.0.1:{settings.rasa_port}/", rasa)
        processes.wait_until_up(f"http://127.0.0.1:{settings.console_port}/health", console)
        url = f"http://localhost:{settings.rasa_port}"
        print(
            "\nSoba is running.\n"
            f"  REST channel:   POST {url}/webhooks/rest/webhook  "
            '{"sender": "me", "message": "残業代が払われません"}\n'
            f'  NLU parse:      POST {url}/model/parse?token=$(cat var/rasa-token)  {{"text": "..."}}\n'
            "                  (Rasa's HTTP API needs the token: SOBA_RASA_TOKEN, or var/rasa-token)\n"
            f"  Action server:  http://localhost:{settings.action_port}/health\n"
            f"  Staff console:  http://localhost:{settings.console_port}/  "
            "(accounts: python -m bot.cli staff add <login> --role counselor --name <name>)\n"
            f"  Database:       {settings.database_url}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while rasa.poll() is None and actions.poll() is None and console.poll() is None:
            try:
                rasa.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                continue
        logger.error("A server exited; stopping Soba.")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        processes.stop(console)
        processes.stop(rasa)
        processes.stop(actions)


def secure_var_dir() -> None:
    """var/ holds the database and Soba's secrets: make it owner-only (security review M2)."""
    paths.VAR_DIR.mkdir(mode=0o700, exist_ok=True)
    os.chmod(paths.VAR_DIR, 0o700)


def _purge_on_schedule(every_hours: float) -> None:
    """Run `purge` now and then every `every_hours`, in a daemon thread of the `run` process."""
    from bot.retention import purge

    def loop() -> None:
        stop = threading.Event()
        while True:
            try:
                purge(get_settings())
            except Exception:  # a process boundary: the servers must keep running
                logger.exception("Scheduled purge failed; it runs again in %.0f h.", every_hours)
            stop.wait(every_hours * 3600)

    threading.Thread(target=loop, name="soba-purge", daemon=True).start()


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete or anonymise personal data older than retention.personal_data_days (settings.yml)."""
    from bot.retention import purge

    settings = get_settings()
    report = purge(settings)
    print(f"Purged personal data older than {settings.retention.personal_data_days} days: {report}.")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database schema up to date (Alembic migrations in bot/core/migrations)."""
    from bot.core.migrations.runner import current_revision
    from bot.db import make_engine

    settings = get_settings()
    session_factory(settings.database_url)
    with make_engine(settings.database_url).connect() as connection:
        print(f"Database schema at revision {current_revision(connection)}.")
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    """Serve the staff console alone (`run` starts it with the servers)."""
    from bot.console.app import serve
    from bot.retention import forget_conversation

    settings = get_settings()
    session_factory(settings.database_url)
    serve(args.port or settings.console_port, host=args.host, forget=forget_conversation)
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    """Create a console account; the password is asked twice (or read from stdin with --password-stdin)."""
    import getpass

    from bot.console.accounts import AccountError, create_staff
    from bot.console.models import Role

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.login}: ")
        if getpass.getpass("Again: ") != password:
            print("The passwords differ; nothing was created.", file=sys.stderr)
            return 2
    try:
        with session_factory(get_settings().database_url)() as session:
            languages = args.languages.split(",")
            known = get_settings().language_codes
            staff = create_staff(session, args.login, args.name, Role(args.role), password, languages, known)
    except AccountError as error:
        print(f"Not created: {error}.", file=sys.stderr)
        return 2
    print(f"Created {staff.role} {staff.login} ({staff.display_name}), reads {staff.languages}.")
    return 0


def cmd_staff_languages(args: argparse.Namespace) -> int:
    """Record the languages a counselor reads (comma-separated codes, e.g. ja,vi)."""
    from bot.console.accounts import AccountError, set_languages

    try:
        with session_factory(get_settings().database_url)() as session:
            staff = set_languages(session, args.login, args.languages.split(","), get_settings().language_codes)
            session.commit()
    except AccountError as error:
        print(f"Not changed: {error}.", file=sys.stderr)
        return 2
    print(f"{staff.login} reads {staff.languages}.")
    return 0


def cmd_staff_deactivate(args: argparse.Namespace) -> int:
    """Deactivate a console account; its sessions end at once (a signed-in browser is sent to the login page)."""
    from bot.console.accounts import AccountError, deactivate

    try:
        with session_factory(get_settings().database_url)() as session:
            ended = deactivate(session, args.login)
    except AccountError as error:
        print(f"Not deactivated: {error}.", file=sys.stderr)
        return 2
    print(f"Deactivated {args.login}; {ended} console session(s) ended.")
    return 0


def cmd_staff_reset_password(args: argparse.Namespace) -> int:
    """Set a new password for a console account (asked twice, or --password-stdin); its sessions end at once."""
    import getpass

    from bot.console.accounts import AccountError, reset_password

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"New password for {args.login}: ")
        if getpass.getpass("Again: ") != password:
            print("The passwords differ; nothing was changed.", file=sys.stderr)
            return 2
    try:
        with session_factory(get_settings().database_url)() as session:
            ended = reset_password(session, args.login, password)
    except AccountError as error:
        print(f"Not changed: {error}.", file=sys.stderr)
        return 2
    print(f"New password set for {args.login}; {ended} console session(s) ended.")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Talk to the bot in the terminal (rasa shell with our action server)."""
    settings = get_settings()
    session_factory(settings.database_url)
    env = processes.child_env(settings)
    model = processes.train(env)
    actions = processes.start_action_server(env, settings.action_port, log=paths.VAR_DIR / "actions.log")
    try:
        processes.wait_until_up(f"http://127.0.0.1:{settings.action_port}/health", actions)
        command = [
            sys.executable, "-m", "rasa", "shell",
            "--model", str(model),
            "--endpoints", str(paths.ENDPOINTS_FILE),
        ]  # fmt: skip
        return subprocess.call(command, env=env, cwd=paths.ROOT)
    finally:
        processes.stop(actions)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print what the person gets, per language, on both held-out sets (current model)."""
    from bot.evaluation import evaluate_model, format_report, load_examples, load_hard_examples

    settings = get_settings()
    model = processes.train(processes.child_env(settings))
    thresholds = {code: settings.thresholds_for(code) for code in settings.language_codes}
    for title, examples in (("heldout/nlu", load_examples()), ("heldout/hard", load_hard_examples())):
        print(format_report(evaluate_model(model, examples, thresholds), title=f"\n{title}"))
    return 0


def cmd_line_rich_menu(args: argparse.Namespace) -> int:
    """Register Soba's rich menu (language, counselor, common questions) as the LINE account's default."""
    import asyncio

    from bot.channels.line import LineClient
    from bot.channels.line_rich_menu import register_rich_menu

    token = os.environ.get("LINE_CHANNEL_ACCESS_TOKEN")
    if not token:
        print("Set LINE_CHANNEL_ACCESS_TOKEN (LINE Developers console → Messaging API).", file=sys.stderr)
        return 2

    async def register() -> str:
        client = LineClient(token)
        try:
            return await register_rich_menu(client, args.faq_url)
        finally:
            await client.close()

    try:
        menu_id = asyncio.run(register())
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"Rich menu {menu_id} is now the default menu of the LINE account.")
    return 0


def cmd_telegram_set_webhook(args: argparse.Namespace) -> int:
    """Register Soba's Telegram webhook (with its secret token) and the /start /lang /human menu."""
    from bot.channels.telegram_setup import TelegramSetupError, set_webhook

    try:
        registration = set_webhook(args.url, os.environ)
    except TelegramSetupError as error:
        print(error, file=sys.stderr)
        return 2
    languages = ", ".join(registration.command_languages)
    print(f"Telegram webhook: {registration.url}\nCommands /start /lang /human set for: {languages}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="soba", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help=cmd_train.__doc__)
    train.add_argument("--force", action="store_true", help="retrain even if a current model exists")
    train.set_defaults(handler=cmd_train)
    for name, handler in [
        ("run", cmd_run),
        ("chat", cmd_chat),
        ("evaluate", cmd_evaluate),
        ("check-knowledge", cmd_check_knowledge),
        ("purge", cmd_purge),
        ("migrate", cmd_migrate),
    ]:
        commands.add_parser(name, help=handler.__doc__).set_defaults(handler=handler)
    line = commands.add_parser("line", help="LINE official account set-up").add_subparsers(dest="line", required=True)
    rich_menu = line.add_parser("rich-menu", help=cmd_line_rich_menu.__doc__)
    rich_menu.add_argument(
        "--faq-url", required=True, help="public https URL of the FAQ pages, e.g. https://host/faq/ja/"
    )
    rich_menu.set_defaults(handler=cmd_line_rich_menu)
    telegram = commands.add_parser("telegram", help="Telegram bot set-up")
    telegram_actions = telegram.add_subparsers(dest="telegram", required=True)
    set_webhook = telegram_actions.add_parser("set-webhook", help=cmd_telegram_set_webhook.__doc__)
    set_webhook.add_argument("--url", required=True, help="Soba's public https address, e.g. https://soba.example.org")
    set_webhook.set_defaults(handler=cmd_telegram_set_webhook)
    console = commands.add_parser("console", help=cmd_console.__doc__)
    console.add_argument("--port", type=int, default=None, help="default: ports.console in settings.yml")
    console.add_argument(
        "--host",
        default=os.environ.get("SOBA_CONSOLE_HOST", "127.0.0.1"),
        help="address to listen on (default 127.0.0.1, or SOBA_CONSOLE_HOST; put TLS in front for other hosts)",
    )
    console.set_defaults(handler=cmd_console)
    staff = commands.add_parser("staff", help="staff console accounts").add_subparsers(dest="staff", required=True)
    staff_add = staff.add_parser("add", help=cmd_staff_add.__doc__)
    staff_add.add_argument("login", help="the login name, e.g. tanaka")
    staff_add.add_argument("--role", choices=["counselor", "trainer", "admin"], default="counselor")
    staff_add.add_argument("--name", required=True, help='the name counselors see, e.g. "田中"')
    staff_add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    staff_add.add_argument("--languages", default="ja", help="the languages the person reads, e.g. ja,vi")
    staff_add.set_defaults(handler=cmd_staff_add)
    staff_languages = staff.add_parser("languages", help=cmd_staff_languages.__doc__)
    staff_languages.add_argument("login", help="the login name, e.g. tanaka")
    staff_languages.add_argument("languages", help="comma-separated codes from settings.yml, e.g. ja,vi")
    staff_languages.set_defaults(handler=cmd_staff_languages)
    staff_deactivate = staff.add_parser("deactivate", help=cmd_staff_deactivate.__doc__)
    staff_deactivate.add_argument("login", help="the login name, e.g. tanaka")
    staff_deactivate.set_defaults(handler=cmd_staff_deactivate)
    staff_reset = staff.add_parser("reset-password", help=cmd_staff_reset_password.__doc__)
    staff_reset.add_argument("login", help="the login name, e.g. tanaka")
    staff_reset.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    staff_reset.set_defaults(handler=cmd_staff_reset_password)
    return parser


def main(argv: List[str] | None = None) -> int:
    """Entry point of the `soba` command."""
    logging.basicConfig(
        level=os.environ.get("SOBA_LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (processes.ServerError, processes.TrainingError) as error:
        logger.error("%s", error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
