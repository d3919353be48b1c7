"""The package version, read by setup.cfg and checked against CHANGELOG.md."""

__version__ = "0.1.0"
