"""Moved to :mod:`tests.auxil.harness`; this name stays only for test modules written before
the move (branches in flight). New code imports from ``tests.auxil``."""

from tests.auxil.harness import *  # noqa: F403
