"""A DSO-LV simulator (the afhandelen API, notifications, faults, a test PKI) for tests and demos.

Never part of a production deployment; it only lives in this package so the demo and the
gateway's CLI can start it."""

from dso_client.sandbox.config import FaultConfig, SandboxConfig
from dso_client.sandbox.state import Sandbox

__all__ = ["FaultConfig", "Sandbox", "SandboxConfig"]
