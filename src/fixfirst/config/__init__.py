"""Configuration: everything read from YAML (engagement, settings, calendar, lexicons, playbook, presets); imports no stage."""
