"""The API's operations, one module per area; each registers its routes with web.api.registry."""
