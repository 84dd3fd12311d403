"""cph-openapi: a toolkit for Huawei Cloud CPH RestartCloudPhoneServer.

The public API is flat: import names from ``cph``; modules starting with ``_`` are private.
"""

from cph._catalog import Catalog, CatalogEntry, load_catalog
from cph._spec import load_spec

__version__ = "0.1.0"

__all__ = ["Catalog", "CatalogEntry", "__version__", "load_catalog", "load_spec"]
