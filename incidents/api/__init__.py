"""The Statuspage-compatible APIs: public v2 (read-only) and management v1 (API keys)."""
