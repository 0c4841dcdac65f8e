"""Pages of the data app."""
