"""CRDO compliance reports and stock take packs: HTML, PDF, XLSX and JSON from one model."""
