"""Security advisories: the schemas aicop validates against, and the bulletins you publish
(``aicop advisory``)."""
