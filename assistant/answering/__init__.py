"""Answering: questions read, answers chosen and cited from passages, offline or by a checked chat model."""
