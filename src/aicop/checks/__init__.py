"""The checks, one module per principle. Importing this package registers them all."""

from aicop.checks import (
    p01_awareness,
    p02_design,
    p03_threats,
    p04_gateway,
    p05_assets,
    p05_data,
    p06_infrastructure,
    p07_supply_chain,
    p08_documentation,
    p09_testing,
    p10_end_users,
)

__all__ = [
    "p01_awareness",
    "p02_design",
    "p03_threats",
    "p04_gateway",
    "p05_assets",
    "p05_data",
    "p06_infrastructure",
    "p07_supply_chain",
    "p08_documentation",
    "p09_testing",
    "p10_end_users",
]
