"""Runnable mini-demos, one module each (pure: numpy, torch, matplotlib; no web, no SQL)."""
