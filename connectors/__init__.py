"""Read-only connectors to agency systems, returning the normalised model in `connectors.models`.

Build them from the connectors config with `connectors.registry.load_registry`; every kind
passes the contract suite in `connectors.testing`. Nothing here imports the portal.
"""
