"""A JUnit XML report, the format CI systems (GitLab, Jenkins, GitHub) read test results from."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from gateway.harness.runner import HarnessResult


def junit_xml(result: HarnessResult, suite: str = "dso-gateway-harness") -> bytes:
    total = sum(r.seconds for r in result.results)
    tests = str(len(result.results) + len(result.skipped))
    root = etree.Element(
        "testsuites",
        name=suite,
        tests=tests,
        failures=str(result.failed),
        time=f"{total:.3f}",
    )
    element = etree.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=tests,
        failures=str(result.failed),
        errors="0",
        skipped=str(len(result.skipped)),
        time=f"{total:.3f}",
    )
    for outcome in result.results:
        case = etree.SubElement(
            element, "testcase", classname=suite, name=outcome.name, time=f"{outcome.seconds:.3f}"
        )
        etree.SubElement(case, "system-out").text = f"verzoeknummer {outcome.verzoeknummer}"
        if not outcome.passed:
            failure = etree.SubElement(
                case, "failure", message=outcome.problems[0][:500], type="ScenarioFailed"
            )
            failure.text = "\n".join(outcome.problems)
    for name in result.skipped:
        case = etree.SubElement(element, "testcase", classname=suite, name=name, time="0")
        etree.SubElement(case, "skipped", message=result.skip_reasons.get(name, "cannot be staged here"))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def write_junit(result: HarnessResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(junit_xml(result))
