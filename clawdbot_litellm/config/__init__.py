"""The Clawdbot config: locate, load, validate, resolve, edit and check one file."""
