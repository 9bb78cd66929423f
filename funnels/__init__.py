"""Funnels: definitions (funnels.definitions), segment filters compiled to SQL
(funnels.segments), step executors and their actors. Consumes the domain and notifications;
never imports schema/."""
