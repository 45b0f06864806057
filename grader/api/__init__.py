"""HTTP routers: thin layers over the pure packages."""
