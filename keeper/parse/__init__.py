"""Turn raw conversation dicts into typed trees with readable text."""
