"""The Code as data: principles and provisions loaded from a versioned catalog file.

Nothing else in aicop hard-codes provision text; checks name provision ids and the catalog says what
those provisions are. ``load_catalog()`` returns the default catalog, validated.
"""

from aicop.catalog.loader import DEFAULT_CATALOG, available_catalogs, load_catalog
from aicop.catalog.model import Catalog, Modality, Principle, Provision, Role, Section

__all__ = [
    "DEFAULT_CATALOG",
    "Catalog",
    "Modality",
    "Principle",
    "Provision",
    "Role",
    "Section",
    "available_catalogs",
    "load_catalog",
]
