"""The sandbox agency systems as running processes.

Four HTTP systems (health FHIR R4, education, police, SCRA) and the social work SQL
system's admin process, each run by `python -m sandbox serve <agency>`. The wire
contract is sandbox/API.md; fault injection, the request log and the admin channel
are shared by all of them.
"""
