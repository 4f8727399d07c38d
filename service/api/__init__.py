"""The HTTP service: FastAPI app, routes, the chat widget and pages."""
