"""Internal notices to staff through GraphQL: recipients and the large-adjustment threshold."""
