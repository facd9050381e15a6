"""Tamper-evident, append-only event logs: each record carries the hash of the one before it."""

from aicop.audit.chain import AuditLog, events, verify_log

__all__ = ["AuditLog", "events", "verify_log"]
