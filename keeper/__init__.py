"""keeper: a private, offline archive of your ChatGPT history."""

__version__ = "0.1.0"
