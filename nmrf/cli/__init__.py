"""The `nmrf` command line, for the secretariat."""
