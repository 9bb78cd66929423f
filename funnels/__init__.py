"""Funnels: definitions, segment filters compiled to SQL, step executors and their actors.
Consumes the domain; never imports schema/."""
