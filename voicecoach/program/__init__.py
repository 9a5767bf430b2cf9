"""What to practise: the drill library as validated data."""
