"""The organisation mirror: a per-workspace, per-organisation copy of the Xero records the panels
read, kept fresh by incremental sync (If-Modified-Since) and webhooks.

Only this package turns Xero's answers into stored rows; panels query the mirror and never call
Xero for figures, lists, suggestions or search once its first sync is complete.
"""
