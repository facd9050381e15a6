"""Asset integrity: content hashes with a cache, and the inventory of models, data, prompts,
configuration and documents (provisions 5.1 and 5.2)."""
