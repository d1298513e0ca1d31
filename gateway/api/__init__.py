"""The gateway's HTTP API (JSON under /v1, following the NL API Design Rules) and status page."""
