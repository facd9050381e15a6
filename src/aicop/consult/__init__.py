"""``aicop consult``: the Call for Views survey as data, a seeded simulator of its responses, and the
analysis that turns responses into tallies, themes and a report."""
