"""History: every audit kept as a snapshot, compared with the next, and the action register followed up."""
