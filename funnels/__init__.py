"""Funnels: marketers' definitions (funnels.definitions), and later the segment filters, the
step executors and the actors that advance enrollments. Consumes the domain and
notifications; never imports schema/."""
