"""The client portal: the pages where a client's contacts file and follow their issues."""
