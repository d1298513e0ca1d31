"""The integration test harness: scenarios (YAML, package data) run against a LocalStack.

`dso-gateway harness run` submits verzoeken at the DSO sandbox, waits for the gateway to process
them and checks the result at the ZGW target (the ZGW test server, or an external ZGW with
--zgw-url; read through the ZGW APIs either way), at DSO and in the gateway's own status API."""

from gateway.harness.runner import HarnessResult, ScenarioResult, run_harness
from gateway.harness.scenario import Scenario, load_scenarios

__all__ = ["HarnessResult", "Scenario", "ScenarioResult", "load_scenarios", "run_harness"]
