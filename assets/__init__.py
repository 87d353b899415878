"""Plain data files: fonts, icons, translations, demo contest."""
