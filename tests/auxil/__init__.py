"""Test support (no tests here): the bots the tests drive, simulated students' helpers, paths.

- :mod:`tests.auxil.harness`: ``LocalBot``, ``HttpBot``, ``BotProcess``, ``run_bot`` and the
  session's one loaded content.
- :mod:`tests.auxil.signup`: a student filling in the sign-up form through a ``LocalBot``.
- :mod:`tests.auxil.process`: a student talking to ``python -m bot run`` over HTTP.
- :mod:`tests.auxil.coordinators`: a bot with two coordinators and their group.
- :mod:`tests.auxil.announcements`: students with a stored lead, announcements received.
- :mod:`tests.auxil.waiting`: ``until`` a condition holds; a ``Hold`` on the emulator's answers.
- :mod:`tests.auxil.webhook`: ``WebhookProcess``, ``python -m bot run`` in webhook mode.
- :mod:`tests.auxil.updates`: updates the simulated users do not make (groups, forged presses).
- :mod:`tests.auxil.network`: a free port on loopback.
- :mod:`tests.auxil.paths`: the repository's content folders and the test fixtures' folder.

The fixtures themselves live in ``tests/conftest.py`` (see docs/testing.md).
"""
