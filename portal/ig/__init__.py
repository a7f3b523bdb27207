"""The information-governance workspace: search the audit trail, review break-glass, flags, charts, reports."""
