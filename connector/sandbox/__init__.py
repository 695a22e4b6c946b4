"""A local server speaking the Jira Cloud REST v3 and Airtable Web APIs, backed by SQLite."""
