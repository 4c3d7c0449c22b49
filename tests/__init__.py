"""fixfirst test suite."""
