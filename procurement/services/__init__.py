"""Procurement services: one atomic function per business action (docs/services.md)."""
