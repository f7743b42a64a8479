"""The HTTP API's resources, one module each."""
