"""The sandbox's portfolios: the demo department and the `typical-jira` site."""
