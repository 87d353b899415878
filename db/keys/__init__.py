"""Keys and signatures: the contest key, signing, the trust file, checking certificates."""
