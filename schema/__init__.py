"""The GraphQL layer: types, resolvers, permissions and error mapping over domain/."""
