"""The export formats ``keeper export --format`` accepts."""

EXPORT_FORMATS = ("chatgpt", "markdown", "jsonl-chat", "sharegpt")
