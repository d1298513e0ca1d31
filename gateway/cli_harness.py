"""`dso-gateway harness run`: the integration test harness (gateway/harness) from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.settings import Settings

PREPRODUCTION_NOT_BUILT = (
    "harness: --dso-url (real DSO pre-production) needs the 'Verzoek indienen' client to submit "
    "verzoeken, which is not built yet; only the sandbox run is available"
)


def _cmd_harness_run(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.harness import load_scenarios, run_harness
    from gateway.harness.junit import write_junit

    if args.dso_url:
        if not (args.cert and args.oin):
            print("harness: --dso-url needs --cert and --oin")
            return 2
        # Never pretend: against pre-production we could only submit through the public
        # Verzoek indienen API, and that client does not exist yet.
        print(PREPRODUCTION_NOT_BUILT)
        return 2
    scenarios = load_scenarios(args.scenarios)
    if args.only:
        wanted = set(args.only)
        unknown = wanted - {s.name for s in scenarios}
        if unknown:
            print(f"harness: unknown scenario(s): {', '.join(sorted(unknown))}")
            return 2
        scenarios = [s for s in scenarios if s.name in wanted]
    result = run_harness(settings, scenarios, data_dir=args.data_dir)
    if args.junit:
        write_junit(result, args.junit)
    return 0 if result.failed == 0 else 1


def add_harness_commands(subparsers: Any) -> None:
    harness = subparsers.add_parser("harness", help="the integration test harness (scenarios)")
    harness_sub = harness.add_subparsers(dest="harness_command", required=True)
    run = harness_sub.add_parser("run", help="run the scenarios against the sandbox (default)")
    run.add_argument(
        "--only", action="append", default=None, metavar="NAME", help="run this scenario (repeatable)"
    )
    run.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write a JUnit XML report")
    run.add_argument(
        "--scenarios", type=Path, default=None, help="a folder of *.yaml (default: the shipped ones)"
    )
    run.add_argument("--data-dir", type=Path, default=None, help="keep state here (default: a new temp dir)")
    run.add_argument("--dso-url", default=None, help="real DSO pre-production base URL (not yet supported)")
    run.add_argument(
        "--cert", type=Path, default=None, help="PKIoverheid client certificate (with --dso-url)"
    )
    run.add_argument("--key", type=Path, default=None, help="its private key (with --dso-url)")
    run.add_argument("--oin", default=None, help="our OIN towards DSO (with --dso-url)")
    run.set_defaults(func=_cmd_harness_run)
