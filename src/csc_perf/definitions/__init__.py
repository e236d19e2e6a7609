"""``indicators.toml`` -> typed definitions; the restricted formula grammar."""
