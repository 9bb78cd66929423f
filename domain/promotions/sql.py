"""What promotions lets other areas embed in their own statements (the earning reads), read
through fragments rather than by naming its tables."""

from __future__ import annotations

# The promotions in force at :occurred_at on the channel :channel that cover one of the
# product lines :product_lines (or every line), as a JSON array of [id, multiplier (as
# text), product_lines], by id.
PROMOTIONS_IN_FORCE = """
    (SELECT COALESCE(json_agg(json_build_array(p.id, p.multiplier::text, p.product_lines)
                              ORDER BY p.id), '[]'::json)
       FROM promotions p
      WHERE p.active AND p.starts_at <= :occurred_at AND :occurred_at < p.ends_at
        AND (cardinality(p.channels) = 0 OR CAST(:channel AS text) = ANY(p.channels))
        AND (cardinality(p.product_lines) = 0
             OR p.product_lines && CAST(:product_lines AS text[])))"""
