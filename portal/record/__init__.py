"""The pure core: one child's record assembled in memory, one step of the flow per module.

Nothing here knows of Flask, the database or the rest of the portal (an import-linter
contract in pyproject.toml keeps it so); it works on the connectors' frozen models and
returns new ones. The views in `portal/<area>/` decide who may see what, call these
steps, audit, and render. In the order one view runs them (DESIGN.md §2):

    pool            the worker's one bounded thread pool, with all-or-nothing admission
    fan_out         call every agency at once on that pool, under one deadline
    gather          ask every connector for a child (or a search), one answer per source
    match           score a demographic candidate against a search, with reasons
    identify        CHI checks, and which people found are this child or only candidates
    group_search    group the people a search found across agencies into children
    keep_this_child keep only this child's records, in the categories allowed
    merge           merge, order, filter, group and page the chronology
    merge_window    the same page read from sorted streams, only as far as the screen needs
    summarise       the Key Information Summary from key facts
    plot_timeline   timeline geometry: lanes, markers and busy periods on a date axis
    words           plain words for event types and agencies' coded values, dates written out
"""
