"""`dso-gateway harness run`: the integration test harness (gateway/harness) from the command line.

Without --dso-url it starts its own embedded gateway with the DSO sandbox and runs every scenario.
With --zgw-url that gateway delivers to an external ZGW (e.g. a municipality's Open Zaak test
environment) instead of the ZGW test server, and the checks read the zaken there through the ZGW
APIs; scenarios that need the test server's fault switches are skipped. With --dso-url it submits
through a real DSO "Verzoek indienen" API (pre-production) and follows a deployed gateway
(--gateway-url) and its ZGW target (gateway/harness/preproduction.py)."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any

import httpx2

from gateway.settings import Settings


def _select(scenarios: list[Any], only: list[str] | None) -> list[Any] | str:
    if not only:
        return scenarios
    wanted = set(only)
    unknown = wanted - {s.name for s in scenarios}
    if unknown:
        return f"harness: unknown scenario(s): {', '.join(sorted(unknown))}"
    return [s for s in scenarios if s.name in wanted]


def _cmd_harness_run(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.harness import load_scenarios, run_harness
    from gateway.harness.junit import write_junit
    from gateway.stack import external_zgw_settings

    if args.mapping:
        settings = settings.model_copy(update={"mapping_file": args.mapping})
    settings = external_zgw_settings(settings, args.zgw_url)
    selected = _select(load_scenarios(args.scenarios), args.only)
    if isinstance(selected, str):
        print(selected)
        return 2
    if args.dso_url:
        problem = _remote_arguments_problem(settings, args)
        if problem:
            print(f"harness: {problem}")
            return 2
        result = _run_remote(settings, args, selected)
    else:
        result = run_harness(
            settings, selected, data_dir=args.data_dir, external_zgw=args.zgw_url is not None
        )
    if args.junit:
        write_junit(result, args.junit)
    return 0 if result.failed == 0 else 1


def _remote_arguments_problem(settings: Settings, args: argparse.Namespace) -> str | None:
    if not args.gateway_url:
        return "--dso-url needs --gateway-url: the deployed gateway that DSO notifies"
    if not (args.cert or settings.dso_client_cert):
        return "--dso-url needs --cert (or DSOGW_DSO_CLIENT_CERT): DSO wants a PKIoverheid certificate"
    if not args.oin:
        return "--dso-url needs --oin: the OIN we submit as"
    if settings.harness_api_token is None:
        return "--gateway-url needs DSOGW_HARNESS_API_TOKEN: a token for the gateway's /v1 API"
    return None


def _run_remote(settings: Settings, args: argparse.Namespace, scenarios: list[Any]) -> Any:
    from dso_client.indienen import IndienenClient
    from gateway.bootstrap import build_zgw_client
    from gateway.harness.preproduction import RemoteTarget, run_remote_harness

    cert_path = args.cert or settings.dso_client_cert
    key_path = args.key or settings.dso_client_key
    password = settings.dso_client_cert_password
    cert = (str(cert_path), str(key_path)) if key_path else str(cert_path)
    api_key = settings.dso_api_key.get_secret_value() if settings.dso_api_key else None
    assert settings.harness_api_token is not None
    token = settings.harness_api_token.get_secret_value()
    with contextlib.ExitStack() as stack:
        indienen = stack.enter_context(
            IndienenClient(
                args.dso_url,
                oin=args.oin,
                oin_header=settings.dso_oin_header,
                api_key=api_key,
                cert=cert,
                cert_password=password.get_secret_value() if password else None,
                verify=str(settings.dso_ca_bundle) if settings.dso_ca_bundle else True,
                timeout=settings.dso_timeout,
            )
        )
        gateway = stack.enter_context(
            httpx2.Client(base_url=args.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        )
        zgw = None
        if settings.delivery == "zgw":
            zgw = stack.enter_context(
                build_zgw_client(
                    settings,
                    user_id="dso-gateway-harness",
                    user_representation="DSO gateway integration test harness",
                )
            )
        target = RemoteTarget(indienen=indienen, gateway=gateway, zgw=zgw, poll_interval=args.poll_interval)
        return run_remote_harness(target, scenarios)


def add_harness_commands(subparsers: Any) -> None:
    harness = subparsers.add_parser("harness", help="the integration test harness (scenarios)")
    harness_sub = harness.add_subparsers(dest="harness_command", required=True)
    run = harness_sub.add_parser(
        "run", help="run the scenarios against the DSO sandbox (default) or DSO pre-production (--dso-url)"
    )
    run.add_argument(
        "--only", action="append", default=None, metavar="NAME", help="run this scenario (repeatable)"
    )
    run.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write a JUnit XML report")
    run.add_argument(
        "--scenarios", type=Path, default=None, help="a folder of *.yaml (default: the shipped ones)"
    )
    run.add_argument("--data-dir", type=Path, default=None, help="keep state here (default: a new temp dir)")
    run.add_argument(
        "--zgw-url",
        default=None,
        metavar="URL",
        help="an external ZGW's root URL (e.g. Open Zaak's): deliver there instead of to a ZGW test "
        "server; the API URLs are URL/zaken/api/v1 etc. unless DSOGW_ZGW_*_URL are set, the "
        "credentials come from DSOGW_ZGW_CLIENT_ID and DSOGW_ZGW_SECRET",
    )
    run.add_argument(
        "--mapping", type=Path, default=None, help="municipal mapping YAML (default: DSOGW_MAPPING_FILE)"
    )
    remote = run.add_argument_group(
        "a real DSO environment",
        "submit through DSO's Verzoek indienen API and follow a deployed gateway; the gateway's API "
        "token comes from DSOGW_HARNESS_API_TOKEN, DSO's x-api-key from DSOGW_DSO_API_KEY, the ZGW "
        "credentials from DSOGW_ZGW_*",
    )
    remote.add_argument(
        "--dso-url",
        default=None,
        help="base URL of the Verzoek indienen API, e.g. "
        "https://service.pre.omgevingswet.overheid.nl/publiek/verzoeken/api/indienen/v4",
    )
    remote.add_argument(
        "--cert",
        type=Path,
        default=None,
        help="PKIoverheid client certificate, PEM or .p12 (default: DSOGW_DSO_CLIENT_CERT)",
    )
    remote.add_argument("--key", type=Path, default=None, help="its private key, for a PEM certificate")
    remote.add_argument("--oin", default=None, help="the OIN we submit as")
    remote.add_argument("--gateway-url", default=None, help="the deployed gateway's base URL (its /v1 API)")
    remote.add_argument("--poll-interval", type=float, default=2.0, help="seconds between status polls")
    run.set_defaults(func=_cmd_harness_run)
