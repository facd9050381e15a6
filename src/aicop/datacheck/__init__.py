"""Checks of training and input data: personal data, secrets, planted instructions (``aicop data``)."""
