"""The child view: search, the Key Information Summary, the merged chronology, timeline and data flows."""
