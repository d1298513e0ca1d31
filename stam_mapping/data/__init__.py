"""Package data: the example municipal mapping file."""
