"""The headless command line (jiangxin SUBCOMMAND)."""
