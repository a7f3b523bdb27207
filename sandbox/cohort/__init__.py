"""The deterministic demo cohort for the sandbox agency systems.

`generate()` builds ~220 children in the fictional Glenmorven Council area with
multi-agency stories and tagged hard cases; `write()` puts them into each
sandbox system's store; `list_children()` reads the manifest back.
"""

from sandbox.cohort.generate import DEFAULT_SEED, DEFAULT_SIZE, generate
from sandbox.cohort.model import TODAY, Cohort
from sandbox.cohort.tags import SCENARIO_TAGS
from sandbox.cohort.write import list_children, write

__all__ = ["DEFAULT_SEED", "DEFAULT_SIZE", "SCENARIO_TAGS", "TODAY", "Cohort", "generate", "list_children", "write"]
