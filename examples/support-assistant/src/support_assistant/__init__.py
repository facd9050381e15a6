"""Example Shop's customer-support assistant."""
