"""aicop gateway: a guard and tamper-evident audit log in front of an OpenAI-compatible model API."""
