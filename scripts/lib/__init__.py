"""Helpers shared by the operations scripts (provision, deploy, backup, restore)."""
