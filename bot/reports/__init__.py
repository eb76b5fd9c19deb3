"""Reports for coordinators computed from the storage, without Telegram: the statistics and
their chart."""
