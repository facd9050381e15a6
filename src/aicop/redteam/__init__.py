"""``aicop redteam``: adversarial tests of an OpenAI-compatible chat endpoint, bound to the model they
tested, and the release gate over their results (provisions 9.1, 9.2, 9.2.2, 9.3, 9.4 and 11.3).

Suites are YAML data (``suites/*.yaml`` here, and the user's own); judges are deterministic rules
first; a run records what it tested (model hash or remote id and revision, system prompt hash, suite
versions, thresholds) so that ``aicop release check`` can tell a pipeline that a model was never tested.
"""
