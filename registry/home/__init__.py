"""Home: what the signed-in user should do next - a trainer's seminars with today's action,
an official's work queue. Shown at the top of the first page after signing in."""
