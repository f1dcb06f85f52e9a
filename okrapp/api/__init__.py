"""REST API v1: JSON under /api/v1, personal bearer tokens, an OpenAPI 3.1 document from spectree."""
