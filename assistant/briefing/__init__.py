"""Briefings: articles grouped into stories at index time, and overview questions answered from them."""
