"""aicop: the UK AI Cyber Security Code of Practice, executable.

The package is a set of libraries (catalog, system, assess, checks, report, and one package per
capability) with a thin command layer in ``aicop.cli``. Importing ``aicop`` imports nothing heavy.
"""

__version__ = "0.1.0"
