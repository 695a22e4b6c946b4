"""The tool clients: Jira and Airtable through their real clients, with retries and rate limits."""
