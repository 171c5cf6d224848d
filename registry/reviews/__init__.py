"""The review queue: items an official must decide (a record corrected after issue, later correction requests and complaints)."""
