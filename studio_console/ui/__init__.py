"""The Textual screens of the console. Nothing outside this package imports it."""
