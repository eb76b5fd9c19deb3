"""Reports for coordinators, without Telegram: the digest's text, the lead exports, the
statistics and their chart.

Imports only the content (texts, knowledge base) and storage layers.
"""
