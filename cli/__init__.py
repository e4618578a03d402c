"""The command line, one of the two doors: parses options, calls the core and prints in the reader's words."""
