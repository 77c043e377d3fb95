"""The only code that runs SQL: connection setup, migrations, writes and queries."""

from keeper.store.connection import open_connection
from keeper.store.filters import Filters

__all__ = ["Filters", "open_connection"]
