"""The only part of rdsync that knows Jira and Airtable exist: config, clients, state, CLI."""
