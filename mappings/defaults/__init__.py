"""The bundled default mappings (jira.toml, jira-dc.toml, airtable.toml) of DOMAIN.md §2."""
