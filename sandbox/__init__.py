"""Simulated agency systems and the deterministic demo cohort.

The sandbox is the outside world for the portal: it shares no code with
`portal/` or `connectors/`, which know it only through `sandbox/API.md`.
"""
