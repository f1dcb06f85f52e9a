"""Request plumbing shared by the features' views: form fields, answers to saves, safe URLs, paging,
input limits and security headers."""
