"""The storage layer's errors."""


class StorageError(Exception):
    """Base class of the errors raised by this module."""


class SchemaError(StorageError):
    """The database file's schema cannot be used (failed migration, incompatible table)."""


class SchemaVersionError(SchemaError):
    """The database file was written by a newer version of the bot than this one."""


class DataNotJSONError(StorageError, TypeError):
    """A value that must be stored as JSON is not plain JSON data."""
