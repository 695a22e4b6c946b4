"""Mapping config and raw Jira/Airtable records onto the delivery architecture (pure, no I/O)."""
