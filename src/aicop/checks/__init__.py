"""The checks, one module per principle. Importing this package registers them all."""

from aicop.checks import (
    p01_awareness,
    p02_design,
    p03_risks,
    p03_threats,
    p04_gateway,
    p05_assets,
    p05_data,
    p05_recovery,
    p06_infrastructure,
    p07_supply_chain,
    p08_documentation,
    p08_provenance,
    p10_end_users,
    p10_updates,
    p12_monitoring,
    p13_end_of_life,
)

__all__ = [
    "p01_awareness",
    "p02_design",
    "p03_risks",
    "p03_threats",
    "p04_gateway",
    "p05_assets",
    "p05_data",
    "p05_recovery",
    "p06_infrastructure",
    "p07_supply_chain",
    "p08_documentation",
    "p08_provenance",
    "p10_end_users",
    "p10_updates",
    "p12_monitoring",
    "p13_end_of_life",
]
