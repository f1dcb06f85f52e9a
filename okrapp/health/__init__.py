"""/healthz: what a load balancer and a monitor need to know, as JSON, without logging in."""
