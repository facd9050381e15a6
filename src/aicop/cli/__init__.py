"""The command layer: parses arguments, calls a library function, renders. No logic lives here."""
