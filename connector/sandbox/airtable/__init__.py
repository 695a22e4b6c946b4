"""The sandbox's Airtable: the Web API, the meta API, formulas, and the demo base."""
