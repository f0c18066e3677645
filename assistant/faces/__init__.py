"""Faces: the command line, the chat window and its uploads, thin over the Assistant."""
