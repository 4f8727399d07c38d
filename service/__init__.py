"""The hoidap service: configuration, command line and (later) the HTTP API."""
