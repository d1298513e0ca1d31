"""`dso-gateway queue dead-letters|replay`: list the stage queues' dead letters, put them back.

Named for what it handles, not `queue`: that is a standard library module as well."""

from __future__ import annotations

import argparse
import getpass
import sys

from gateway.settings import Settings


def add_queue_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    queue = subparsers.add_parser("queue", help="dead letters and replay")
    queue_sub = queue.add_subparsers(dest="queue_command", required=True)
    dead = queue_sub.add_parser("dead-letters", help="list dead letters")
    dead.add_argument("--queue", default=None, help="only this queue (default: every stage's queue)")
    replay = queue_sub.add_parser(
        "replay", help="put dead letters back on their queue (exit 1 for an unknown queue or id)"
    )
    replay.add_argument("queue", help="the stage queue, e.g. dso.fetch")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", help="the message id, as `queue dead-letters` lists it")
    which.add_argument("--all", action="store_true", help="every dead letter of the queue")
    replay.add_argument(
        "--note", default="herplaatst met dso-gateway queue replay", help="why (on the timeline)"
    )
    queue.set_defaults(func=_cmd_queue)


def _cmd_queue(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.events import STAGES

    if args.queue_command == "replay":
        return _replay(settings, args)
    from gateway import queue_prefix

    queue = queue_prefix.connect(settings.effective_queue_url, settings.queue_prefix)
    try:
        # Name the queues: a STOMP connection only sees dead letters of queues it knows.
        letters = [d for q in ([args.queue] if args.queue else STAGES) for d in queue.dead_letters(q)]
        for letter in letters:
            print(
                f"{letter.queue}\t{letter.message_id}\t{letter.dead_lettered_at.isoformat()}\t{letter.reason}"
            )
        print(f"{len(letters)} dead letter(s)")
    finally:
        queue.close()
    return 0


def _cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment (a container)
        return "cli"


def _replay(settings: Settings, args: argparse.Namespace) -> int:
    """Replay = retry of the letter's failed version; outdated letters are refused (see
    gateway/operations.py). Exit 1 when a named letter was refused or is unknown."""
    from gateway.bootstrap import bootstrap
    from gateway.events import STAGES
    from gateway.operations import OperationError, Operations

    if args.queue not in STAGES:
        known = ", ".join(STAGES)
        print(f"dso-gateway queue replay: unknown queue {args.queue}; known: {known}", file=sys.stderr)
        return 1
    container = bootstrap(settings)
    try:
        ops = Operations(container.context)
        letters = ops.letters(d for q in STAGES for d in container.queue.dead_letters(q))
        chosen = [
            s
            for s in letters
            if s.letter.queue == args.queue and (args.all or s.letter.message_id == args.id)
        ]
        if args.id and not chosen:
            print(f"no dead letter {args.id} on {args.queue}", file=sys.stderr)
            return 1
        replayed = refused = 0
        for s in chosen:
            try:
                if s.job is None:  # not one of our messages: back on its queue as it was
                    container.queue.replay(s.letter.queue, s.letter.message_id)
                else:
                    ops.replay(s, actor=_cli_actor(), note=args.note)
                replayed += 1
            except OperationError as exc:
                refused += 1
                print(f"{s.letter.message_id}: refused: {exc}", file=sys.stderr)
    finally:
        container.close()
    print(f"{replayed} message(s) replayed to {args.queue}, {refused} refused")
    return 1 if args.id and refused else 0
