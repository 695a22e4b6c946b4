"""The bundled default mappings (jira.toml, airtable.toml) for the schemes of DOMAIN.md §2."""
