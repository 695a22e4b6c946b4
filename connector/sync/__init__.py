"""The sync engine: plan write-backs, apply them, keep the state, run on a schedule."""
