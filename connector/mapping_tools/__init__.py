"""Tools for admins who map their own site: discover a mapping, check it, preview it."""
