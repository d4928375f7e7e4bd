"""Saved preferences, saved searches and subscriptions (issues 4 and 5)."""
