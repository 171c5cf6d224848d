"""Reference data: regions and districts (a tree), sectors, courses."""
