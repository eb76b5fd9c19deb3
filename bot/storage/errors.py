"""The storage layer's errors."""


class StorageError(Exception):
    """Base class of the errors raised by this module."""


class DatabaseFileError(StorageError):
    """SQLite cannot use the database file (damaged, not a database, read-only, full disk)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"the database {path} cannot be used ({reason})")
        self.path, self.reason = path, reason


class SchemaError(StorageError):
    """The database file's schema cannot be used (failed migration, incompatible table)."""


class SchemaVersionError(SchemaError):
    """The database file was written by a newer version of the bot than this one."""


class DataNotJSONError(StorageError, TypeError):
    """A value that must be stored as JSON is not plain JSON data."""
