"""The versioned partner API (/api/v1/): public reads, and each role's own objects and actions
for systems holding an API token (api.models.ApiToken) or a browser session."""
