"""Reports for coordinators, without Telegram: the digest's text and the lead exports.

Imports only the content (texts, knowledge base) and storage (leads) layers.
"""
