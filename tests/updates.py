"""Moved to :mod:`tests.auxil.updates`; this name stays only for test modules written before
the move (branches in flight). New code imports from ``tests.auxil``."""

from tests.auxil.updates import *  # noqa: F403
