"""Subscribers and the emails they receive: sign-up, audience, delivery, audit log."""
