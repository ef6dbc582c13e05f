"""credlab's runners: everything that loads a compiled spec and does something with it."""
