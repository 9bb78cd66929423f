"""Segment filters and saved segments in GraphQL (funnels/segments)."""
