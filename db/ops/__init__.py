"""Operations: one module per area of user actions, each a transaction returning its changes."""
