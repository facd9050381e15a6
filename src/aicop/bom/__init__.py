"""The AI bill of materials and the dependency information it is built from."""
