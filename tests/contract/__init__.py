"""Contract tests: Microsoft's documented Graph examples, replayed against the project's Graph client."""
