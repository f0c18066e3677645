"""Feeds and pages in: the feed list, a polite HTTP client, feed items read, articles written into seeds/."""
