"""The sandbox's Jira: REST v3 (Cloud) and v2 (Data Center), JQL, fields, issues, seeds."""
