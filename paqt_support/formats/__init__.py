"""The project's date and time formats per language, one set for every page, email and file."""
