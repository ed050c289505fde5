"""The access log: who read and changed which client data, where, when, and in what role."""
