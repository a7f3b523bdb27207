"""Notifications: one small interface (`Channel`), two real channels (in-portal, SMTP), delivery records.

A notification carries no CHI, no name and no record content: who acted, when, why in
words, and an opaque link that opens the child only for its recipient.
"""
