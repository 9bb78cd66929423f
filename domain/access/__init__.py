"""Who is calling: staff tokens with roles, customer JWTs, and what each may do."""
