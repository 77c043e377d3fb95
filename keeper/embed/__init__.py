"""Offline embeddings: the model loader, the chunker and the resumable embedding job.

The only package that imports sentence_transformers or torch, and only lazily, inside the
functions that need them: importing ``keeper.embed`` costs nothing.
"""
