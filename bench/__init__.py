"""Gongdan benchmarks: reproducible scripts that print figures (never timed tests)."""
