"""Threats and risks as data: the register (``risks.yaml``), its review against the repository, and
the threats aicop suggests from what it knows about the system.

The register is the organisation's own record; aicop never rewrites it. ``suggest`` proposes entries,
``review`` says which provisions of principle 3 the register evidences and where it falls short.
"""
