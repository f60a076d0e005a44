"""Workspace pages: the role-aware inbox, the start pages and the human-task pages of the chain."""
